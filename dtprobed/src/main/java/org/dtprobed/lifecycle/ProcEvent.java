package org.dtprobed.lifecycle;

/** One exec or exit the kernel reported: the thread ({@code pid}) and its process ({@code tgid}). */
record ProcEvent(Kind kind, int pid, int tgid) {
    enum Kind { EXEC, EXIT }

    /** Whether the event ends the image of the whole process: any exec, or the exit of its main thread. */
    boolean endsProcessImage() {
        return kind == Kind.EXEC || pid == tgid;
    }
}
