/*
 * jobs.c - searches and copies that run without the GIL, in chunks that a
 * signal interrupts, and the pins that keep the map in place meanwhile
 * (listed, so that a forked child can drop those of threads it lacks).
 */
#include "mmfmodule.h"

/* ---- a job and its chunks ---------------------------------------------- */

static mmf_status
job_do(const mmf_map *map, job *j)
{
    switch (j->kind) {
    case JOB_FIND:
        return mmf_find(map, j->needle, j->nlen, j->start, j->end, &j->found);
    case JOB_RFIND:
        return mmf_rfind(map, j->needle, j->nlen, j->start, j->end, &j->found);
    case JOB_COUNT: {
        size_t n = 0;
        mmf_status st = mmf_count_part(map, j->needle, j->nlen, j->start,
                                       j->end, &n, &j->resume);
        j->found = (ptrdiff_t)n;
        return st;
    }
    case JOB_COPY:
        return mmf_get_slice(map, j->start, j->step, j->count, j->dst);
    }
    return MMF_EINVAL;
}

/* The new positions a chunk of j covers: CHUNK_BYTES, or the needle's
 * length when that is more, so that the nlen - 1 bytes a chunk reads past
 * its positions never make the whole job quadratic. */
static size_t
job_step(const job *j)
{
    return j->nlen > CHUNK_BYTES ? j->nlen : CHUNK_BYTES;
}

/* The part of j that job_do() runs next, in c: at most `step` new
 * positions (a search's or a count's chunk reaches nlen - 1 bytes further,
 * so that no match straddles two chunks; the reverse search goes from the
 * end; a count resumes past the last match its chunk counted). */
static void
job_chunk(const job *j, job *c, size_t step)
{
    *c = *j;
    switch (j->kind) {
    case JOB_FIND:
    case JOB_COUNT:
        if (j->end - j->start > step + j->nlen) {
            c->end = j->start + step + j->nlen - 1;
        }
        return;
    case JOB_RFIND:
        if (j->end - j->start > step + j->nlen) {
            c->start = j->end - step - j->nlen + 1;
        }
        return;
    case JOB_COPY:
        if (j->count > CHUNK_BYTES) {
            c->count = CHUNK_BYTES;
        }
        return;
    }
}

/* Take the chunk c off j; 1 when j is done (found, or nothing left). */
static int
job_advance(job *j, const job *c)
{
    switch (j->kind) {
    case JOB_FIND:
        j->found = c->found;
        j->start = c->end - (c->end == j->end ? 0 : j->nlen - 1);
        return c->found >= 0 || c->end == j->end;
    case JOB_RFIND:
        j->found = c->found;
        j->end = c->start + (c->start == j->start ? 0 : j->nlen - 1);
        return c->found >= 0 || c->start == j->start;
    case JOB_COUNT:
        j->total += (size_t)c->found;
        j->start = c->resume;
        return c->end == j->end;
    case JOB_COPY:
        j->start += (size_t)((ptrdiff_t)c->count * j->step);
        j->dst = (char *)j->dst + c->count;
        j->count -= c->count;
        return j->count == 0;
    }
    return 1;
}

/* ---- the pins of GIL-free calls, dropped in a forked child ----
 * A call that releases the GIL pins the map first (mmf_py_run_job(),
 * mem_impl() in additions.c, madvise_impl() in methods.c). If another
 * thread forks meanwhile, the child has no such thread, and its pin would
 * make close() and resize() raise BufferError there forever
 * (docs/hazards.md H-49). Such pins are listed (a node on the
 * pinning thread's stack); the child's pthread_atfork handler unpins them.
 * Exported buffers are not in the list: their views exist in the child. */

#ifdef HAVE_FORK
#include <pthread.h>

static call_pin call_pins = {NULL, &call_pins, &call_pins};
static pthread_mutex_t call_pins_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t call_pins_once = PTHREAD_ONCE_INIT;

static void
call_pins_prepare(void)
{
    pthread_mutex_lock(&call_pins_lock);
}

static void
call_pins_parent(void)
{
    pthread_mutex_unlock(&call_pins_lock);
}

/* The child: only the forking thread exists, and it pins nothing now (it
 * is in os.fork(), holding the GIL): every listed pin is a dead thread's. */
static void
call_pins_child(void)
{
    call_pin *p;

    for (p = call_pins.next; p != &call_pins; p = p->next) {
        mmf_unpin(p->map);
    }
    call_pins.next = call_pins.prev = &call_pins;
    pthread_mutex_unlock(&call_pins_lock);
}

static void
call_pins_init(void)
{
    pthread_atfork(call_pins_prepare, call_pins_parent, call_pins_child);
}
#endif

/* Pin the map for a call that releases the GIL (with the GIL held). */
mmf_status
mmf_py_call_pin_take(mmap_object *self, call_pin *p, unsigned char **data,
                     size_t *len)
{
    mmf_status st = mmf_pin(&self->map, data, len);

    p->map = &self->map;
    p->prev = p->next = p;
#ifdef HAVE_FORK
    if (st == MMF_OK) {
        pthread_once(&call_pins_once, call_pins_init);
        pthread_mutex_lock(&call_pins_lock);
        p->next = call_pins.next;
        p->prev = &call_pins;
        call_pins.next->prev = p;
        call_pins.next = p;
        pthread_mutex_unlock(&call_pins_lock);
    }
#endif
    return st;
}

/* Unpin what mmf_py_call_pin_take() pinned (with the GIL held). */
void
mmf_py_call_pin_release(call_pin *p)
{
#ifdef HAVE_FORK
    pthread_mutex_lock(&call_pins_lock);
    p->prev->next = p->next;
    p->next->prev = p->prev;
    pthread_mutex_unlock(&call_pins_lock);
#endif
    mmf_unpin(p->map);
}

/* A search first looks near where it starts (the start for find, the end
 * for rfind), with the GIL held: in a big map most searches end within a
 * few bytes (the next line's end, the next field), and the set-up of a
 * long search, let alone of a GIL-free one, costs far more than such a
 * search. The first probe is a window the core searches on its short path
 * (MMF_FAST_WINDOW bytes), the second one of PROBE_BYTES. Returns MMF_OK
 * with *done set when the probes decided the search. */
#define PROBE_BYTES ((size_t)64 << 10)

static mmf_status
probe_job(const mmf_map *map, job *j, int *done)
{
    size_t steps[2], i;
    mmf_status st;
    job c;

    *done = 0;
    if (j->nlen == 0 || j->nlen > MMF_FAST_WINDOW / 4) {
        return MMF_OK;
    }
    steps[0] = MMF_FAST_WINDOW - (j->nlen - 1);
    steps[1] = PROBE_BYTES;
    for (i = 0; i < 2 && j->end - j->start > steps[i] + j->nlen; i++) {
        job_chunk(j, &c, steps[i]);
        if ((st = job_do(map, &c)) != MMF_OK) {
            return st;
        }
        if (job_advance(j, &c)) {
            *done = 1;
            return MMF_OK;
        }
    }
    return MMF_OK;
}

/* mmf_py_run_job() : Run j over `work` bytes of the map. A long job pins
 * the map and releases the GIL: another thread may then use the map, but
 * close() and resize() fail with BufferError until the job is done, so the
 * mapping stays where it is. It runs in chunks, with the GIL taken back
 * between them to run signal handlers: an exception they raise
 * (KeyboardInterrupt) ends the job with ST_PYERR. The job only reads
 * (const map), and its buffers are owned by the caller. */
mmf_status
mmf_py_run_job(mmap_object *self, job *j, size_t work)
{
    mmf_status st;
    job c;
    call_pin pin;
    int done = 0;

    if (work > MMF_FAST_WINDOW
        && (j->kind == JOB_FIND || j->kind == JOB_RFIND)) {
        st = probe_job(&self->map, j, &done);
        if (st != MMF_OK || done) {
            return st;
        }
        work = j->end - j->start;
    }
    if (work < LONG_JOB_BYTES || (j->kind != JOB_COPY && j->nlen == 0)) {
        st = job_do(&self->map, j);
        j->total = (size_t)j->found; /* JOB_COUNT's result */
        return st;
    }
    st = mmf_py_call_pin_take(self, &pin, NULL, NULL);
    if (st != MMF_OK) {
        return st;
    }
    while (!done) {
        job_chunk(j, &c, job_step(j));
        Py_BEGIN_ALLOW_THREADS
        st = job_do(&self->map, &c);
        Py_END_ALLOW_THREADS
        if (st != MMF_OK) {
            break;
        }
        done = job_advance(j, &c);
        if (!done && PyErr_CheckSignals() < 0) {
            st = ST_PYERR;
        }
        if (st != MMF_OK) {
            break;
        }
    }
    mmf_py_call_pin_release(&pin);
    return st;
}
