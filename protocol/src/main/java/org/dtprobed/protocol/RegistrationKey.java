package org.dtprobed.protocol;

/** One registration: the registering pid and the generation its ADDDOF returned. */
public record RegistrationKey(int pid, long generation) implements Comparable<RegistrationKey> {
    @Override
    public int compareTo(RegistrationKey o) {
        int c = Integer.compare(pid, o.pid);
        return c != 0 ? c : Long.compare(generation, o.generation);
    }
}
