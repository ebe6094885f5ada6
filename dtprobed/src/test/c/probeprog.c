/*
 * A program with real probe sites in its own text, for the uprobe end-to-end test: each fire_*
 * function holds one labelled nop (probe_*) that is a probe site. Reads commands on stdin:
 *   "fire A B"  calls fire_alpha A times and fire_beta B times, then prints "fired"
 * fire_never is a probe site that is never executed. Prints "ready PID" first; exits at EOF.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile int sink;

__attribute__((noinline)) void fire_alpha(int i) {
    sink = i;
    __asm__ volatile(".globl probe_alpha\nprobe_alpha: nop" ::: "memory");
}

__attribute__((noinline)) void fire_beta(int i) {
    sink = i;
    __asm__ volatile(".globl probe_beta\nprobe_beta: nop" ::: "memory");
}

__attribute__((noinline)) void fire_never(int i) {
    sink = i;
    __asm__ volatile(".globl probe_never\nprobe_never: nop" ::: "memory");
}

int main(void) {
    char line[128];
    printf("ready %d\n", (int) getpid());
    fflush(stdout);
    while (fgets(line, sizeof line, stdin) != NULL) {
        int a = 0, b = 0;
        if (sscanf(line, "fire %d %d", &a, &b) == 2) {
            for (int i = 0; i < a; i++) {
                fire_alpha(i);
            }
            for (int i = 0; i < b; i++) {
                fire_beta(i);
            }
            printf("fired\n");
            fflush(stdout);
        } else if (strcmp(line, "never-called\n") == 0) {
            fire_never(0); /* keeps the function referenced; the tests never send this */
        }
    }
    return 0;
}
