/* runners/exec_arena.c: the exec runner's POSIX shared-memory arenas
 * (peers/PROTOCOL.md, "Arenas"): a named object per arena, created
 * exclusively, mapped here and by the peer, unlinked when freed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runners/exec.h"

int exec_arena_make(struct peer_arena *a, const char *tag, size_t size,
                    const uint8_t *from, char *err, size_t errlen)
{
    static unsigned seq;
    snprintf(a->name, sizeof a->name, "parbench-%d-%u-%s", (int)getpid(),
             ++seq, tag);
    char slash[100];
    snprintf(slash, sizeof slash, "/%s", a->name);
    int fd = shm_open(slash, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "shm_open %s: %s", slash, strerror(errno));
        a->name[0] = 0;
        return -1;
    }
    a->size = size;
    if (ftruncate(fd, (off_t)(size ? size : 1)) != 0 ||
        (a->p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE,
                     MAP_SHARED, fd, 0)) == MAP_FAILED) {
        snprintf(err, errlen, "shared memory of %zu bytes: %s", size,
                 strerror(errno));
        a->p = NULL;
        close(fd);
        shm_unlink(slash);
        a->name[0] = 0;
        return -1;
    }
    close(fd);
    if (from)
        memcpy(a->p, from, size);
    else
        memset(a->p, 0, size);
    return 0;
}

void exec_arena_free(struct peer_arena *a)
{
    if (a->p)
        munmap(a->p, a->size ? a->size : 1);
    if (a->name[0]) {
        char slash[100];
        snprintf(slash, sizeof slash, "/%s", a->name);
        shm_unlink(slash);
    }
    memset(a, 0, sizeof *a);
}
