package org.dtprobed.stash;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import net.openhft.chronicle.map.ChronicleMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a stash of layout 1 (files {@code NAME.cm3}, every value stored as it is, so that large
 * values chained extra tiers) to layout 2 at open, as the versioning contract says: the values
 * themselves did not change, only how they are framed, so every registration, raw DOF, pid record,
 * negative-cache verdict and counter is copied into the layout-2 files as it was; the parse cache
 * is not (a cache: it fills again). The repair pass of the open that follows checks every copied
 * value like any other.
 *
 * <p>Crash safety: the layout-1 files stay until every layout-2 file is written and closed, and
 * {@code registrations.cm3} is deleted last, so its presence means "migrate": a migration cut
 * short is started again from the untouched layout-1 files (its partial layout-2 files deleted
 * first), and one cut short while deleting leaves only files the next open deletes.
 */
final class LayoutOneMigration {
    private static final Logger LOG = LoggerFactory.getLogger(LayoutOneMigration.class);

    static final String REGISTRATIONS = "registrations.cm3";
    static final String RAW_DOF = "dof.cm3";
    static final String PIDS = "pids.cm3";
    static final String NEGATIVE = "negative.cm3";
    static final String META = "meta.cm3";
    /** The layout-1 file set; {@link #REGISTRATIONS} last: it is deleted last. */
    static final List<String> FILES = List.of(RAW_DOF, "parsed.cm3", PIDS, NEGATIVE, META, REGISTRATIONS);

    private LayoutOneMigration() {
    }

    /**
     * Migrates the directory's layout-1 stash if there is one (or deletes what a finished migration
     * left); the caller holds the stash lock. Returns the registrations copied (0 when there was
     * nothing to migrate).
     */
    static int migrateIfPresent(StashConfig c, Consumer<String> phase) throws StashException {
        Path dir = c.stateDir();
        if (!Files.exists(dir.resolve(REGISTRATIONS))) {
            deleteAll(dir);
            return 0;
        }
        phase.accept("migrating the layout-1 stash to layout 2");
        for (String n : StashFiles.ALL) {
            delete(dir.resolve(n));
        }
        List<ChronicleMap<byte[], byte[]>> old = new ArrayList<>();
        int copied;
        try {
            ChronicleMap<byte[], byte[]> regs = openOld(dir, REGISTRATIONS, old);
            ChronicleMap<byte[], byte[]> dof = openOld(dir, RAW_DOF, old);
            ChronicleMap<byte[], byte[]> pids = openOld(dir, PIDS, old);
            ChronicleMap<byte[], byte[]> negative = openOld(dir, NEGATIVE, old);
            ChronicleMap<byte[], byte[]> meta = openOld(dir, META, old);
            try (StashFiles now = StashFiles.openOwned(c, Set.of(), new ArrayList<>(), phase)) {
                copied = copy(regs, now.registrations::put);
                copy(dof, now.rawDof::put);
                copy(pids, now.pids::put);
                copy(negative, now.negative::put);
                copy(meta, now.meta::put);
            }
        } catch (RuntimeException e) {
            throw new StashException(StashException.Kind.DAMAGED, dir + ": the layout-1 stash cannot be migrated ("
                    + e + "); its files are left as they were. " + Stash.fixMoveAside(dir), e);
        } finally {
            old.forEach(ChronicleMap::close);
        }
        deleteAll(dir);
        LOG.warn("stash {}: migrated from layout 1 to layout {}: {} registrations copied, the layout-1 files deleted",
                dir, StashLayout.LAYOUT_VERSION, copied);
        return copied;
    }

    private static ChronicleMap<byte[], byte[]> openOld(Path dir, String name, List<ChronicleMap<byte[], byte[]>> opened)
            throws StashException {
        File f = dir.resolve(name).toFile();
        try {
            // false: the sizing is read from the file's own header (it was created with whatever
            // configuration that build had); recovery, because the last owner may have crashed
            ChronicleMap<byte[], byte[]> m = ChronicleMap.of(byte[].class, byte[].class).name("dtprobed-layout1-" + name)
                    .skipCloseOnExitHook(true).entries(1).averageKeySize(32).averageValueSize(64)
                    .recoverPersistedTo(f, false, ev -> LOG.warn("stash migration: {}: {}", name, ev.message()));
            opened.add(m);
            return m;
        } catch (IOException e) {
            throw new StashException(StashException.Kind.IO, f + ": " + e.getMessage(), e);
        }
    }

    private interface Put {
        void put(byte[] k, byte[] v);
    }

    private static int copy(ChronicleMap<byte[], byte[]> from, Put to) {
        int n = 0;
        for (byte[] k : List.copyOf(from.keySet())) {
            byte[] v = from.get(k);
            if (v != null) {
                to.put(k, v);
                n++;
            }
        }
        return n;
    }

    private static void deleteAll(Path dir) throws StashException {
        for (String n : FILES) {
            delete(dir.resolve(n));
        }
    }

    private static void delete(Path p) throws StashException {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new StashException(StashException.Kind.IO, p + ": cannot delete it: " + e.getMessage(), e);
        }
    }
}
