package org.dtprobed.stash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code stash.lock}: the owner's exclusive lock (Chronicle's own exclusivity is best-effort) and
 * the clean-shutdown flag. Its content is {@code clean ...} after {@link Stash#close} and
 * {@code open ...} while a daemon owns the stash; finding {@code open} at the next open means the
 * owner died and every Chronicle file must be recovered. The flag lives here, not in a Chronicle
 * file, because whether a Chronicle file needs recovery cannot depend on reading one.
 */
final class StashLock implements AutoCloseable {
    static final String FILE = "stash.lock";

    private final FileChannel channel;
    private final FileLock lock;
    private final String previous;

    private StashLock(FileChannel channel, FileLock lock, String previous) {
        this.channel = channel;
        this.lock = lock;
        this.previous = previous;
    }

    /** Takes the lock or fails with {@link StashException.Kind#LOCKED}. */
    static StashLock acquire(Path dir) throws StashException {
        Path p = dir.resolve(FILE);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                ch.close();
                throw new StashException(StashException.Kind.LOCKED, p + ": the stash is in use by another daemon");
            }
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(ch.size(), 4096));
            ch.read(b, 0);
            return new StashLock(ch, l, new String(b.array(), 0, b.position(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            closeQuietly(ch);
            throw new StashException(StashException.Kind.IO, p + ": " + e.getMessage(), e);
        }
    }

    /** Whether someone else holds the lock right now (a running daemon), without keeping it. */
    static boolean heldByOther(Path dir) {
        try (StashLock l = acquire(dir)) {
            return false;
        } catch (StashException e) {
            return e.kind() == StashException.Kind.LOCKED;
        }
    }

    /** What the file said when the lock was taken; "" for a new stash. */
    String previousState() {
        return previous;
    }

    /** The first line of {@link #previousState()}, for a log line. */
    String previousSummary() {
        int nl = previous.indexOf('\n');
        return nl < 0 ? previous : previous.substring(0, nl);
    }

    boolean previousWasClean() {
        return previous.isEmpty() || previous.startsWith("clean");
    }

    void markOpen() throws StashException {
        write("open pid=" + ProcessHandle.current().pid() + " at=" + System.currentTimeMillis() + "\n");
    }

    /** Marks the shutdown clean, with every file's seal (see {@link StashIntegrity}). */
    void markClean(java.util.List<StashIntegrity.Seal> seals) throws StashException {
        StringBuilder sb = new StringBuilder("clean at=" + System.currentTimeMillis() + "\n");
        seals.forEach(seal -> sb.append(seal.line()).append('\n'));
        write(sb.toString());
    }

    /** The seals the last clean close wrote; empty after a crash or from a build that sealed nothing. */
    java.util.Map<String, StashIntegrity.Seal> seals() {
        return previousWasClean() ? StashIntegrity.parse(previous) : java.util.Map.of();
    }

    private void write(String s) throws StashException {
        try {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(true);
        } catch (IOException e) {
            throw new StashException(StashException.Kind.IO, FILE + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing left to do with a channel that fails to close
            }
        }
    }
}
