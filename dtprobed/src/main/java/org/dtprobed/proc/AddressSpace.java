package org.dtprobed.proc;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The mappings of one process, as a registration asks about them: from one read of the maps text
 * ({@link #of(List)}), or asked of the kernel address by address ({@link ProcFs#addressSpace}).
 */
public interface AddressSpace extends AutoCloseable {
    /** The mapping that holds {@code address}, or empty when the address is not mapped. */
    Optional<Mapping> mappingAt(long address) throws ProcException;

    /**
     * The lowest mapping of the object {@code m} belongs to (same dev, inode and path), where a
     * tracer's file offsets start: {@code m} itself for anonymous memory.
     */
    Mapping firstOf(Mapping m) throws ProcException;

    /** Every mapping, sorted by address. */
    List<Mapping> all() throws ProcException;

    /**
     * The executable mappings of files, sorted by address: where a process runs code of an object
     * (the start-up scan's question). The kernel route asks for those alone, one question each.
     */
    default List<Mapping> executableFileMappings() throws ProcException {
        List<Mapping> out = new ArrayList<>();
        for (Mapping m : all()) {
            if (m.executable() && !m.anonymous()) {
                out.add(m);
            }
        }
        return out;
    }

    /** Lets go of what the questions held open (the kernel route's file); no question may follow. */
    @Override
    default void close() {
    }

    /** The text route: every question answered from these mappings (sorted, as the kernel lists them). */
    static AddressSpace of(List<Mapping> maps) {
        return new MapsList(maps);
    }
}
