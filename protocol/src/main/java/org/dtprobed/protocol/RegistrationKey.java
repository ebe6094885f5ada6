package org.dtprobed.protocol;

/**
 * One registration: the registering pid and the generation its ADDDOF returned (allocated per pid
 * from 0 and never reused while the pid lives). The stash keeps its byte layout and the range it
 * stores ({@code stash.RegistrationKeyCodec}); here any pair is a key, so that an index can bound
 * a range of one pid's keys by {@code Long.MIN_VALUE} and {@code Long.MAX_VALUE}.
 */
public record RegistrationKey(int pid, long generation) implements Comparable<RegistrationKey> {
    @Override
    public int compareTo(RegistrationKey o) {
        int c = Integer.compare(pid, o.pid);
        return c != 0 ? c : Long.compare(generation, o.generation);
    }

    // written out rather than generated: a record's equals and hashCode are bootstrapped through
    // method handles (classes spun at the first call), and a start-up with a full stash calls them
    // ~10^5 times before the JIT has compiled them
    @Override
    public boolean equals(Object o) {
        return o instanceof RegistrationKey k && k.pid == pid && k.generation == generation;
    }

    @Override
    public int hashCode() {
        return 31 * pid + Long.hashCode(generation);
    }

    @Override
    public String toString() {
        return pid + "/" + generation;
    }
}
