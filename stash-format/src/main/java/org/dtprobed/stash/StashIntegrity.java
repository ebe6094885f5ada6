package org.dtprobed.stash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Whether the stash files are the ones the last owner left. Chronicle Map checks entry checksums
 * only in {@code recoverPersistedTo}, and a cleanly closed file with bytes scrambled in its middle
 * opened with {@code createPersistedTo} made the first iteration loop forever (issue 20). So a clean
 * close seals every file (size, CRC32C of all its bytes, entry count) into {@code stash.lock}, and the
 * next open compares before Chronicle reads a byte: a file that differs in any way is damaged.
 * Without seals (after a crash, or a stash of an older build) only what needs no seal is checked: a
 * missing file beside present ones, a 0-byte file, a file too short to hold a Chronicle header.
 */
final class StashIntegrity {
    /** Chronicle's self-describing header alone takes more than this; a shorter file was cut. */
    static final long MIN_FILE_BYTES = 4096;

    private StashIntegrity() {
    }

    /** One file as the last clean close left it. */
    record Seal(String name, long size, long crc32c, long entries) {
        String line() {
            return "seal " + name + " size=" + size + " crc32c=" + Long.toHexString(crc32c) + " entries=" + entries;
        }

        /** Parses {@link #line()}; null for anything else. */
        static Seal parse(String line) {
            String[] f = line.trim().split(" ");
            if (f.length != 5 || !f[0].equals("seal") || !f[2].startsWith("size=") || !f[3].startsWith("crc32c=")
                    || !f[4].startsWith("entries=")) {
                return null;
            }
            try {
                return new Seal(f[1], Long.parseLong(f[2].substring(5)), Long.parseLong(f[3].substring(7), 16),
                        Long.parseLong(f[4].substring(8)));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** Seals every stash file of the directory (the files must be closed); entries in {@link StashFiles#ALL} order. */
    static List<Seal> seal(Path dir, List<Long> entries) throws IOException {
        List<Seal> out = new java.util.ArrayList<>();
        for (int i = 0; i < StashFiles.ALL.size(); i++) {
            String name = StashFiles.ALL.get(i);
            Path p = dir.resolve(name);
            out.add(new Seal(name, Files.size(p), crc(p), entries.get(i)));
        }
        return out;
    }

    /** The seals in a lock file's content, by file name (empty when the content holds none). */
    static Map<String, Seal> parse(String lockContent) {
        Map<String, Seal> out = new LinkedHashMap<>();
        for (String line : lockContent.split("\n")) {
            Seal s = Seal.parse(line);
            if (s != null) {
                out.put(s.name(), s);
            }
        }
        return out;
    }

    /**
     * What is wrong with each damaged file, by name (empty: nothing found). {@code seals} is empty
     * when the last close sealed nothing (crash, older build); a fresh stash has no files to check.
     */
    static Map<String, String> inspect(Path dir, Map<String, Seal> seals) throws StashException {
        Map<String, String> damage = new LinkedHashMap<>();
        for (String name : StashFiles.ALL) {
            Path p = dir.resolve(name);
            Seal seal = seals.get(name);
            try {
                if (!Files.exists(p)) {
                    damage.put(name, "missing" + (seal == null ? "" : " (it had " + seal.entries() + " entries at the clean close)"));
                    continue;
                }
                long size = Files.size(p);
                if (size == 0) {
                    damage.put(name, "0 bytes long" + (seal == null ? "" : " (it had " + seal.entries() + " entries at the clean close)"));
                } else if (seal != null && size != seal.size()) {
                    damage.put(name, size + " bytes long, " + seal.size() + " at the clean close");
                } else if (size < MIN_FILE_BYTES) {
                    damage.put(name, "only " + size + " bytes long, too short for a Chronicle Map header");
                } else if (!headerIntact(p)) {
                    damage.put(name, "its Chronicle Map header is not readable");
                } else if (seal != null) {
                    long crc = crc(p);
                    if (crc != seal.crc32c()) {
                        damage.put(name, "its content changed after the clean close (CRC32C " + Long.toHexString(crc)
                                + ", sealed " + Long.toHexString(seal.crc32c()) + ")");
                    }
                }
            } catch (IOException e) {
                throw new StashException(StashException.Kind.IO, p + ": cannot be read: " + e.getMessage(), e);
            }
        }
        return damage;
    }

    /** Where Chronicle's header text starts, after its 8-byte preamble and the u32 length word. */
    private static final int HEADER_TEXT_OFFSET = 12;
    /** The low 30 bits of the length word hold the length; the top two are Chronicle's flags. */
    private static final int HEADER_LENGTH_MASK = 0x3FFF_FFFF;
    private static final String HEADER_START = "!net.openhft.chronicle.map.VanillaChronicleMap {";

    /**
     * Whether the file starts with Chronicle Map's self-describing header: a length word and that
     * much printable text naming the map class (every Chronicle 2026.1 file here does). A damaged
     * header made {@code recoverPersistedTo} wait for a "ready" flag that never came; this check
     * needs no Chronicle code.
     */
    static boolean headerIntact(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(ch.size(), 65_536 + HEADER_TEXT_OFFSET))
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // read until full or end of file
            }
            if (b.position() < HEADER_TEXT_OFFSET) {
                return false;
            }
            int len = b.getInt(8) & HEADER_LENGTH_MASK;
            if (len < HEADER_START.length() || HEADER_TEXT_OFFSET + len > b.position()) {
                return false;
            }
            byte[] text = new byte[len];
            b.get(HEADER_TEXT_OFFSET, text);
            for (byte c : text) {
                if (!(c >= 0x20 && c < 0x7F || c == '\n' || c == '\t' || c == '\r')) {
                    return false;
                }
            }
            return new String(text, 0, HEADER_START.length(), java.nio.charset.StandardCharsets.US_ASCII)
                    .equals(HEADER_START);
        }
    }

    static long crc(Path p) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                crc.update(buf);
                buf.clear();
            }
        }
        return crc.getValue();
    }
}
