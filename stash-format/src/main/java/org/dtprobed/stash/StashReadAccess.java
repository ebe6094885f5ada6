package org.dtprobed.stash;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a tool reads a stash without disturbing its owner. A running daemon (it holds
 * {@code stash.lock}): the files are opened as a second process and only read. A stopped daemon
 * that shut down cleanly: the tool takes the lock (so no daemon starts under it) and only reads.
 * A stopped daemon that crashed: reading a crashed Chronicle file can block, so the tool runs the
 * owner's recovery ({@link Stash#open}) and says so.
 */
public final class StashReadAccess implements AutoCloseable {
    private final StashView view;
    private final boolean live;
    private final boolean recovered;
    private final AutoCloseable owner;

    private final List<String> damage;

    private StashReadAccess(StashView view, boolean live, boolean recovered, AutoCloseable owner, List<String> damage) {
        this.view = view;
        this.live = live;
        this.recovered = recovered;
        this.owner = owner;
        this.damage = List.copyOf(damage);
    }

    public static StashReadAccess open(Path dir) throws StashException {
        if (!Files.isDirectory(dir) || StashFiles.ALL.stream().noneMatch(n -> Files.exists(dir.resolve(n)))) {
            throw new StashException(StashException.Kind.IO, dir + ": no stash here");
        }
        StashLock lock;
        try {
            lock = StashLock.acquire(dir);
        } catch (StashException e) {
            if (e.kind() != StashException.Kind.LOCKED) {
                throw e;
            }
            StashFiles files = StashFiles.openShared(dir);
            return new StashReadAccess(new StashView(files), true, false, files, List.of());
        }
        if (lock.previousWasClean()) {
            try {
                // the daemon's own check, before Chronicle reads a byte (a damaged file can make
                // it loop): a tool must not call files consistent that the daemon would not open
                Map<String, String> damaged = StashIntegrity.inspect(dir, lock.seals());
                if (!damaged.isEmpty()) {
                    List<String> lines = new ArrayList<>();
                    damaged.forEach((n, why) -> lines.add(n + ": DAMAGED (" + why + ")"));
                    throw new DamagedException(dir + ": damaged stash files: " + String.join("; ", lines), lines);
                }
                Map<String, StashIntegrity.Seal> seals = lock.seals();
                StashFiles files = StashFiles.openShared(dir);
                return new StashReadAccess(new StashView(files), false, false, () -> {
                    List<Long> entries = files.sizes();
                    files.close();
                    try {
                        // reseal only if the read left the bytes as they were sealed
                        if (StashIntegrity.inspect(dir, seals).isEmpty()) {
                            lock.markClean(StashIntegrity.seal(dir, entries));
                        }
                    } finally {
                        lock.close();
                    }
                }, List.of());
            } catch (StashException | RuntimeException e) {
                lock.close();
                throw e;
            }
        }
        lock.close();
        Stash stash = Stash.open(StashConfig.at(dir));
        return new StashReadAccess(new StashView(stash.files()), false, stash.recovered(), stash,
                stash.recovery().damagedFiles());
    }

    /** Damaged files found before opening anything: one line per file. */
    public static final class DamagedException extends StashException {
        private static final long serialVersionUID = 1L;
        private final List<String> files;

        DamagedException(String message, List<String> files) {
            super(Kind.DAMAGED, message);
            this.files = List.copyOf(files);
        }

        public List<String> files() {
            return files;
        }
    }

    /** The damaged files this access found (and, after a crash, set aside): one line each. */
    public List<String> damage() {
        return damage;
    }

    public StashView view() {
        return view;
    }

    /**
     * Everything a reader finds wrong: the damaged files, then what {@link StashView#check} finds.
     * Empty means consistent; stash-dump exits 1 exactly when this is not empty.
     */
    public List<String> inconsistencies() throws StashException {
        List<String> problems = new ArrayList<>(damage);
        problems.addAll(view.check(live));
        return problems;
    }

    /** Whether a daemon owns the stash right now. */
    public boolean live() {
        return live;
    }

    /** Whether this access had to recover the stash after an unclean shutdown. */
    public boolean recovered() {
        return recovered;
    }

    @Override
    public void close() {
        try {
            owner.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the stash: " + e.getMessage(), e);
        }
    }
}
