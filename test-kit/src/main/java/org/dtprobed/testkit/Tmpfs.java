package org.dtprobed.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A tmpfs of a given size mounted for one test (root only), for the full-disk tests of issue 20:
 * a file system that fills at a known point, that {@link #fill} takes every free byte of and that
 * {@link #remount} resizes. Closing unmounts it.
 */
public final class Tmpfs implements AutoCloseable {
    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code size} (mount's syntax: "40m") on {@code dir}, made if missing. */
    public static Tmpfs mount(Path dir, String size) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
        return new Tmpfs(dir);
    }

    public Path dir() {
        return dir;
    }

    public void remount(String size) throws IOException, InterruptedException {
        run("mount", "-o", "remount,size=" + size, dir.toString());
    }

    /** Takes every free byte with the file {@code name}; deleting it gives the space back. */
    public Path fill(String name) throws IOException {
        Path filler = dir.resolve(name);
        try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer z = ByteBuffer.allocate(1 << 16);
            while (true) {
                z.clear();
                try {
                    ch.write(z);
                } catch (IOException full) {
                    return filler;
                }
            }
        }
    }

    public long freeBytes() throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        // lazily: a daemon killed in the test may leave its FUSE mount below, which goes with it
        run("umount", "-l", dir.toString());
    }
}
