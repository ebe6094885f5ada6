/*
 * A process whose mappings hold the odd cases of /proc/<pid>/maps, for the PROCMAP_QUERY tests:
 * a file mapped and then unlinked (" (deleted)"), anonymous memory between file mappings, a file
 * mapped twice (once executable), a name with spaces. Prints the addresses, then waits for stdin
 * to close.
 *
 *   maps_target DIR
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static void *map_file(const char *path, int prot, int unlink_it) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 3 * 4096) != 0) { perror(path); exit(2); }
    void *p = mmap(NULL, 3 * 4096, prot, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(2); }
    close(fd);
    if (unlink_it) unlink(path);
    return p;
}

int main(int argc, char **argv) {
    char path[4096];
    if (argc != 2) { fprintf(stderr, "usage: maps_target DIR\n"); return 64; }
    snprintf(path, sizeof path, "%s/deleted file", argv[1]);
    void *deleted = map_file(path, PROT_READ, 1);
    void *anon = mmap(NULL, 5 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    snprintf(path, sizeof path, "%s/twice", argv[1]);
    void *twice1 = map_file(path, PROT_READ, 0);
    void *twice2 = map_file(path, PROT_READ | PROT_EXEC, 0);
    if (anon == MAP_FAILED) { perror("mmap"); return 2; }
    printf("%lx %lx %lx %lx\n", (unsigned long) deleted, (unsigned long) anon, (unsigned long) twice1,
           (unsigned long) twice2);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0) { }
    return 0;
}
