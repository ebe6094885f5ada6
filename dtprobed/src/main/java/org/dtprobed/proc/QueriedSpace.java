package org.dtprobed.proc;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link AddressSpace} asked of the kernel ({@link MapQuery}) one address at a time, for one
 * registration: what it was told is kept, since a DOF's sites mostly lie in one mapping, and the
 * maps file stays open from the first question to {@link #close()} (an open costs more than two
 * questions, BENCHMARKS.md).
 */
final class QueriedSpace implements AddressSpace {
    /**
     * Mappings looked at upward from an object's base before the text is read instead: an ELF
     * object has a handful; only a process that maps much else among them comes near this.
     */
    private static final int MAX_STEPS = 64;
    private static final long MAX_SEGMENT_PADDING = 2L << 20;

    private final MapQuery query;
    private final ProcFs proc;
    private final int pid;
    private final String mapsFile;
    private final List<Mapping> told = new ArrayList<>(4);
    /**
     * Ranges the kernel said hold no mapping, as {from, to} pairs (to exclusive, unsigned): the
     * sites of a DOF that no object holds would each cost a question that fails.
     */
    private long[] holes = new long[4];
    private int holeCount;
    private int fd = -1;

    QueriedSpace(MapQuery query, ProcFs proc, int pid, String mapsFile) {
        this.query = query;
        this.proc = proc;
        this.pid = pid;
        this.mapsFile = mapsFile;
    }

    @Override
    public Optional<Mapping> mappingAt(long address) throws ProcException {
        for (Mapping m : told) {
            if (m.contains(address)) {
                return Optional.of(m);
            }
        }
        for (int i = 0; i < holeCount; i += 2) {
            if (Long.compareUnsigned(address, holes[i]) >= 0 && Long.compareUnsigned(address, holes[i + 1]) < 0) {
                return Optional.empty();
            }
        }
        // one question tells the holder, or that nothing holds the address up to the next mapping
        Optional<Mapping> next = ask(address, MapQuery.COVERING_OR_NEXT);
        if (next.isPresent()) {
            told.add(next.get());
            if (next.get().contains(address)) {
                return next;
            }
        }
        hole(address, next.isPresent() ? next.get().start() : -1L);
        return Optional.empty();
    }

    private void hole(long from, long to) {
        if (holeCount == holes.length) {
            holes = java.util.Arrays.copyOf(holes, holes.length * 2);
        }
        holes[holeCount++] = from;
        holes[holeCount++] = to;
    }

    /**
     * Walks up to {@code m} from below the object's base: the first mapping of the same object on
     * the way is the answer. A segment's start minus its file offset is the base plus the padding
     * the linker put before it, at most its max-page-size; 2 MiB, the largest of x86-64 and
     * aarch64 linkers, is taken below that. The text route takes the lowest mapping of the object
     * anywhere; the two differ only for a file also mapped further below, a copy that is not
     * where its code runs.
     */
    @Override
    public Mapping firstOf(Mapping m) throws ProcException {
        if (m.anonymous()) {
            return m;
        }
        long base = m.start() - m.offset() - MAX_SEGMENT_PADDING;
        long from = Long.compareUnsigned(m.offset() + MAX_SEGMENT_PADDING, m.start()) <= 0 ? base : 0;
        for (int step = 0; step < MAX_STEPS; step++) {
            Optional<Mapping> next = ask(from, MapQuery.COVERING_OR_NEXT | MapQuery.FILE_BACKED);
            if (next.isEmpty() || Long.compareUnsigned(next.get().start(), m.start()) >= 0) {
                return m;
            }
            if (next.get().sameObject(m)) {
                return next.get();
            }
            from = next.get().end();
        }
        return AddressSpace.of(all()).firstOf(m);
    }

    @Override
    public List<Mapping> all() throws ProcException {
        return proc.maps(pid);
    }

    /**
     * One question per executable file mapping and one more that finds none above the last: no
     * text of the other mappings is made (a process of 100 libraries has ~400 mappings, ~100 executable).
     */
    @Override
    public List<Mapping> executableFileMappings() throws ProcException {
        List<Mapping> out = new ArrayList<>();
        long from = 0;
        for (Optional<Mapping> next; (next = ask(from, MapQuery.COVERING_OR_NEXT | MapQuery.FILE_BACKED
                | MapQuery.EXECUTABLE)).isPresent(); from = next.get().end()) {
            out.add(next.get());
            if (Long.compareUnsigned(next.get().end(), from) <= 0) {
                break; // an answer that does not move up would be asked again forever
            }
        }
        return out;
    }

    private Optional<Mapping> ask(long address, long flags) throws ProcException {
        if (fd < 0) {
            fd = query.open(pid, mapsFile);
        }
        return query.ask(pid, fd, mapsFile, address, flags);
    }

    @Override
    public void close() {
        if (fd >= 0) {
            query.close(fd);
            fd = -1;
        }
    }
}
