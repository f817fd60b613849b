# The second example of Python's mmap documentation, with mmf in place of mmap.
import mmf as mmap

with mmap.mmap(-1, 13) as mm:
    mm.write(b"Hello world!")
    # not in the documentation: show that the bytes are there
    mm.seek(0)
    print(mm.read())
