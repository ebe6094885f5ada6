package org.dtprobed.stash;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seven Chronicle Map files of one state directory (layout 2: {@code NAME-2.cm3}), opened
 * either as the owner (create, or recover after an unclean shutdown) or as a second, reading
 * process ({@code stash-dump} beside a running daemon). One instance per file per JVM.
 */
public final class StashFiles implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StashFiles.class);

    public static final String REGISTRATIONS = "registrations-2.cm3";
    public static final String RAW_DOF = "dof-2.cm3";
    public static final String PARSED = "parsed-2.cm3";
    public static final String CHUNKS = "chunks-2.cm3";
    public static final String PIDS = "pids-2.cm3";
    public static final String NEGATIVE = "negative-2.cm3";
    public static final String META = "meta-2.cm3";
    public static final List<String> ALL = List.of(REGISTRATIONS, RAW_DOF, PARSED, CHUNKS, PIDS, NEGATIVE, META);

    final ChunkedMap registrations;
    final ChunkedMap rawDof;
    final ChunkedMap parsed;
    final ChronicleMap<byte[], byte[]> chunks;
    final ChronicleMap<byte[], byte[]> pids;
    final ChronicleMap<byte[], byte[]> negative;
    final ChronicleMap<byte[], byte[]> meta;
    private final List<ChronicleMap<byte[], byte[]>> all;

    private StashFiles(List<ChronicleMap<byte[], byte[]>> maps) {
        this.all = List.copyOf(maps);
        chunks = maps.get(3);
        registrations = new ChunkedMap(REGISTRATIONS, StashLayout.SLOT_TAG_REGISTRATIONS, maps.get(0), chunks);
        rawDof = new ChunkedMap(RAW_DOF, StashLayout.SLOT_TAG_RAW_DOF, maps.get(1), chunks);
        parsed = new ChunkedMap(PARSED, StashLayout.SLOT_TAG_PARSED, maps.get(2), chunks);
        pids = maps.get(4);
        negative = maps.get(5);
        meta = maps.get(6);
    }

    /** Removes chunks no value owns (a crash between a value's chunks and its slot); returns how many. */
    int collectOrphanChunks() {
        return ChunkedMap.collectOrphans(chunks, List.of(registrations, rawDof, parsed));
    }

    /** How full each file is: entries and the share of its preallocated space in use. */
    public List<Stash.FileFill> fill() {
        List<Stash.FileFill> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            ChronicleMap<byte[], byte[]> m = all.get(i);
            out.add(new Stash.FileFill(ALL.get(i), m.longSize(), 1.0 - m.percentageFreeSpace() / 100.0));
        }
        return out;
    }

    /**
     * Opens as the owner. The caller holds the stash lock. Every existing file named in
     * {@code recover} goes through {@code recoverPersistedTo}; Chronicle's corruption events are
     * appended to {@code events}. {@code phase} is told which file is being opened (the open's
     * deadline names it).
     */
    static StashFiles openOwned(StashConfig c, java.util.Set<String> recover, List<String> events,
                                java.util.function.Consumer<String> phase) throws StashException {
        List<ChronicleMap<byte[], byte[]>> maps = new ArrayList<>();
        try {
            for (String name : ALL) {
                boolean r = recover.contains(name);
                phase.accept((r ? "recovering " : "opening ") + name);
                Path p = c.stateDir().resolve(name);
                maps.add(openOne(p, builder(name, c), r, events));
                // a file left sparse (a creation or a tier growth that ran out of space) faults
                // with SIGBUS on its first write to a hole: allocate it all now, or fail now
                ensureAllocated(p);
            }
            return new StashFiles(maps);
        } catch (StashException | RuntimeException e) {
            maps.forEach(ChronicleMap::close);
            throw e;
        }
    }

    /**
     * Opens an existing stash as a second process: no creation, no recovery, reads only. Never
     * while the owner recovers (the owner holds the lock for that whole time).
     */
    public static StashFiles openShared(Path stateDir) throws StashException {
        List<ChronicleMap<byte[], byte[]>> maps = new ArrayList<>();
        try {
            for (String name : ALL) {
                Path p = stateDir.resolve(name);
                if (!Files.isRegularFile(p)) {
                    throw new StashException(StashException.Kind.IO, p + ": no such stash file");
                }
                maps.add(builder(name, StashConfig.small(stateDir)).createPersistedTo(p.toFile()));
            }
            return new StashFiles(maps);
        } catch (IOException e) {
            maps.forEach(ChronicleMap::close);
            throw new StashException(StashException.Kind.IO, stateDir + ": " + e.getMessage(), e);
        } catch (StashException | RuntimeException e) {
            maps.forEach(ChronicleMap::close);
            throw e;
        }
    }

    private static ChronicleMap<byte[], byte[]> openOne(Path p, ChronicleMapBuilder<byte[], byte[]> b, boolean recover,
                                                         List<String> events) throws StashException {
        File f = p.toFile();
        try {
            if (recover && f.exists()) {
                return b.recoverPersistedTo(f, true, ev -> {
                    String line = p.getFileName() + ": " + ev.message();
                    LOG.warn("stash recovery: {}", line);
                    synchronized (events) {
                        events.add(line);
                    }
                });
            }
            return b.createPersistedTo(f);
        } catch (IOException e) {
            // Chronicle checks the free space itself before it preallocates a new file
            boolean full = String.valueOf(e.getMessage()).contains("space");
            throw new StashException(full ? StashException.Kind.FULL : StashException.Kind.IO, p + ": "
                    + e.getMessage() + (full ? " (" + free(p) + "); free space, or size the stash smaller" : ""), e);
        } catch (RuntimeException e) {
            // Chronicle's messages can be a bare map description ("ChronicleMap{...}"): name the
            // exception too, so that the log line says what failed
            throw new StashException(StashException.Kind.DAMAGED, p + ": Chronicle Map cannot open it ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    /**
     * Makes every byte of the file backed by the file system ({@code fallocate} mode 0: holes are
     * allocated, data is kept). Chronicle preallocates a new file, but a creation or a tier growth
     * that ran out of space leaves the file extended and sparse, and the first write to such a
     * page is a SIGBUS. Fails with FULL (ENOSPC) naming the file and the free space.
     */
    static void ensureAllocated(Path p) throws StashException {
        net.openhft.posix.PosixAPI px = net.openhft.posix.PosixAPI.posix();
        int fd = px.open(p.toString(), net.openhft.posix.OpenFlag.O_RDWR, 0);
        if (fd < 0) {
            throw new StashException(StashException.Kind.IO, p + ": cannot open it to allocate it");
        }
        try {
            long size = Files.size(p);
            if (px.fallocate(fd, 0, 0, size) != 0) {
                // errno is not reliable through this API: say what the file needs and what is free
                throw new StashException(StashException.Kind.FULL, p + ": cannot allocate its " + size / 1024
                        + " KiB (" + free(p) + ")");
            }
        } catch (IOException e) {
            throw new StashException(StashException.Kind.IO, p + ": " + e.getMessage(), e);
        } finally {
            px.close(fd);
        }
    }

    private static String free(Path p) {
        try {
            return "the file system holding it has " + Files.getFileStore(p.getParent()).getUsableSpace() / 1024
                    + " KiB free";
        } catch (IOException e) {
            return "free space unknown: " + e.getMessage();
        }
    }

    /** Allocates every file of the stash (see {@link #ensureAllocated}). */
    static void ensureAllocated(Path dir, List<String> names) throws StashException {
        for (String n : names) {
            ensureAllocated(dir.resolve(n));
        }
    }

    static ChronicleMapBuilder<byte[], byte[]> builder(String name, StashConfig c) {
        // Chronicle's own exit hook would close the maps under the daemon's orderly stop, and the
        // clean-shutdown flag could then not be written
        ChronicleMapBuilder<byte[], byte[]> b = ChronicleMap.of(byte[].class, byte[].class).name("dtprobed-" + name)
                .skipCloseOnExitHook(true).checksumEntries(true);
        return switch (name) {
            case REGISTRATIONS -> constant(b, StashLayout.REG_KEY_SIZE, StashLayout.REGISTRATION_SLOT_SIZE, c.registrations());
            case RAW_DOF -> constant(b, StashLayout.DOF_KEY_SIZE, StashLayout.RAW_DOF_SLOT_SIZE, c.rawDof());
            case PARSED -> constant(b, StashLayout.PARSED_KEY_SIZE, StashLayout.PARSED_SLOT_SIZE, c.parsed());
            case CHUNKS -> constant(b, StashLayout.CHUNK_KEY_SIZE, StashLayout.CHUNK_SIZE, c.chunks());
            case PIDS -> sized(b.constantKeySizeBySample(new byte[StashLayout.PID_KEY_SIZE]), c.pids());
            case NEGATIVE -> sized(b.constantKeySizeBySample(new byte[StashLayout.NEG_KEY_SIZE]),
                    new MapSizing(c.negativeBound(), 96, 2));
            case META -> sized(b.averageKeySize(24), new MapSizing(256, StashLayout.META_VALUE_SIZE, 4));
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * Every entry of one size: a segment can neither fragment nor hold more than its entry count,
     * so with no more entries than sized (the stash refuses beyond), Chronicle never chains an extra
     * tier onto it. (Chronicle sizes each segment for the 99.999th percentile of a random key
     * spread, so one segment does not overflow while the file as a whole has room; it refuses a
     * finer percentile. StashSizingTest and StashChunkCrashTest fill files to their sizing and check
     * that none grew.)
     */
    private static ChronicleMapBuilder<byte[], byte[]> constant(ChronicleMapBuilder<byte[], byte[]> b, int keySize,
                                                                int valueSize, long entries) {
        return b.constantKeySizeBySample(new byte[keySize]).constantValueSizeBySample(new byte[valueSize])
                .entries(entries).maxBloatFactor(1);
    }

    private static ChronicleMapBuilder<byte[], byte[]> sized(ChronicleMapBuilder<byte[], byte[]> b, MapSizing s) {
        return b.entries(s.entries()).averageValueSize(s.averageValueBytes()).maxBloatFactor(s.maxBloatFactor());
    }

    /** Entry counts by file name, in {@link #ALL} order. */
    public List<Long> sizes() {
        List<Long> out = new ArrayList<>();
        for (ChronicleMap<byte[], byte[]> m : all) {
            out.add(m.longSize());
        }
        return out;
    }

    @Override
    public void close() {
        for (ChronicleMap<byte[], byte[]> m : all) {
            try {
                m.close();
            } catch (RuntimeException e) {
                LOG.warn("closing {}: {}", m.name(), e.toString());
            }
        }
    }
}
