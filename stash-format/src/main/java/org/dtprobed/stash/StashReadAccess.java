package org.dtprobed.stash;

import java.nio.file.Files;
import java.nio.file.Path;

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

    private StashReadAccess(StashView view, boolean live, boolean recovered, AutoCloseable owner) {
        this.view = view;
        this.live = live;
        this.recovered = recovered;
        this.owner = owner;
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
            return new StashReadAccess(new StashView(files), true, false, files);
        }
        if (lock.previousWasClean()) {
            try {
                StashFiles files = StashFiles.openShared(dir);
                return new StashReadAccess(new StashView(files), false, false, () -> {
                    files.close();
                    lock.close();
                });
            } catch (StashException | RuntimeException e) {
                lock.close();
                throw e;
            }
        }
        lock.close();
        Stash stash = Stash.open(StashConfig.at(dir));
        return new StashReadAccess(new StashView(stash.files()), false, stash.recovered(), stash);
    }

    public StashView view() {
        return view;
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
