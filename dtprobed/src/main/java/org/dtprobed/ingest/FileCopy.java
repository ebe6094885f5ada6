package org.dtprobed.ingest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import org.dtprobed.proc.Mapping;

/**
 * Whether the DOF a process handed over is the file's own bytes. A verdict kept against a file
 * (the negative cache is keyed by dev+inode) may only come from the file: a process can map a
 * library {@code MAP_PRIVATE|PROT_WRITE}, write bad DOF into its private copy, and register that
 * while {@code /proc/PID/maps} still names the file (issue 19, attack 2: root's registration of
 * the real library was then refused for the cache's TTL, renewably).
 *
 * <p>The file is read through {@code /proc/PID/map_files}, which opens the very inode that is
 * mapped (in the caller's mount namespace too), and checked against the mapping's dev and inode.
 * A DOF that differs from the file, or cannot be compared, is judged alone: parsed and refused or
 * registered on its own bytes, with no verdict recorded and none believed. (DOF that the dynamic
 * linker relocated in memory differs from its file as well, and is then never cached negatively:
 * the cost is a parse, never a wrong refusal.)
 */
final class FileCopy {
    private FileCopy() {
    }

    /** True only when the DOF lies wholly inside the mapping and equals the file's bytes there. */
    static boolean matches(int pid, Mapping m, long address, byte[] dof) {
        if (m.anonymous() || m.deleted() || address < m.start() || address + dof.length > m.end()) {
            return false;
        }
        Path file = m.mapFile(Path.of("/proc"), pid);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Map<String, Object> id = Files.readAttributes(file, "unix:dev,ino");
            if (((Number) id.get("dev")).longValue() != m.dev() || ((Number) id.get("ino")).longValue() != m.inode()) {
                return false;
            }
            ByteBuffer b = ByteBuffer.allocate(dof.length);
            long at = m.offset() + (address - m.start());
            while (b.hasRemaining()) {
                if (ch.read(b, at + b.position()) < 0) {
                    return false; // the file is shorter than its mapping says: not the same bytes
                }
            }
            return Arrays.equals(b.array(), dof);
        } catch (IOException | RuntimeException e) {
            return false; // unmapped since, or not ours to read: no verdict then
        }
    }
}
