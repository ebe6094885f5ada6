package org.dtprobed.proc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Positional reads on {@code /proc/<pid>/mem}: pure Java, one open per read. */
final class ProcPidMemory implements ProcessMemory {
    private final Path procRoot;

    ProcPidMemory(Path procRoot) {
        this.procRoot = procRoot;
    }

    @Override
    public void read(int pid, long address, byte[] dst, int off, int len) throws ProcException {
        Path mem = procRoot.resolve(Integer.toString(pid)).resolve("mem");
        try (FileChannel ch = FileChannel.open(mem, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.wrap(dst, off, len);
            long pos = address;
            while (b.hasRemaining()) {
                int n;
                try {
                    // /proc/<pid>/mem takes the address as the file position; addresses above
                    // Long.MAX_VALUE (kernel space) are never user memory.
                    if (pos < 0) {
                        throw new IOException("address above 2^63");
                    }
                    n = ch.read(b, pos);
                } catch (IOException e) {
                    throw new UnreadableMemoryException(VmReadvMemory.describe(pid, pos, b.remaining())
                            + " is not readable (" + e.getMessage() + ")");
                }
                if (n <= 0) {
                    throw new UnreadableMemoryException(VmReadvMemory.describe(pid, pos, b.remaining())
                            + " is not readable (end of " + mem + ")");
                }
                pos += n;
            }
        } catch (NoSuchFileException e) {
            throw new NoSuchProcessException("process " + pid + " has exited (" + mem + " is gone)");
        } catch (AccessDeniedException e) {
            throw new ProcException("permission denied opening " + mem, e);
        } catch (ProcException e) {
            throw e;
        } catch (IOException e) {
            throw new ProcException("cannot read " + mem + ": " + e, e);
        }
    }
}
