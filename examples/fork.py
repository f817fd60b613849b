# The third example of Python's mmap documentation, with mmf in place of mmap.
import mmf as mmap
import os
import sys

mm = mmap.mmap(-1, 13)
mm.write(b"Hello world!")

pid = os.fork()

if pid == 0:  # In a child process
    mm.seek(0)
    print(mm.readline())

    mm.close()
    # not in the documentation: os._exit() skips the flush of stdout, so the
    # line above would be lost when stdout is a pipe or a file
    sys.stdout.flush()
    os._exit(0)  # not in the documentation: leave without running the parent's code
os.waitpid(pid, 0)
