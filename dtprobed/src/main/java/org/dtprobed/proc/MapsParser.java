package org.dtprobed.proc;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses the text of {@code /proc/<pid>/maps}. A line is
 * {@code start-end perms offset major:minor inode [path]}, the numbers in hex except the inode;
 * the path starts after the whitespace that follows the inode and may itself contain spaces
 * (drti takes the text after the last space and gets such names wrong, reference §1.4).
 */
public final class MapsParser {
    private static final String DELETED = " (deleted)";

    private MapsParser() {
    }

    /** @param source names the file in error messages */
    public static List<Mapping> parse(String text, String source) throws ProcException {
        List<Mapping> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (!line.isEmpty()) {
                out.add(parseLine(line, source, lineNo));
            }
        }
        return List.copyOf(out);
    }

    static Mapping parseLine(String line, String source, int lineNo) throws ProcException {
        Cursor c = new Cursor(line, source, lineNo);
        long start = c.hex('-', "start address");
        long end = c.hex(' ', "end address");
        String perms = c.token("permissions");
        if (perms.length() != 4) {
            throw c.error("permissions '" + perms + "' are not 4 characters");
        }
        long offset = c.hex(' ', "offset");
        long major = c.hex(':', "device major");
        long minor = c.hex(' ', "device minor");
        long inode = c.decimal("inode");
        String path = c.rest();
        boolean deleted = path.endsWith(DELETED);
        if (deleted) {
            path = path.substring(0, path.length() - DELETED.length());
        }
        if (Long.compareUnsigned(start, end) > 0) {
            throw c.error("start 0x" + Long.toHexString(start) + " is above end 0x" + Long.toHexString(end));
        }
        return new Mapping(start, end, perms, offset, Mapping.makedev(major, minor), inode, path, deleted);
    }

    /** Reads fields left to right; every failure names the file, the line and the field. */
    private static final class Cursor {
        private final String line;
        private final String source;
        private final int lineNo;
        private int pos;

        Cursor(String line, String source, int lineNo) {
            this.line = line;
            this.source = source;
            this.lineNo = lineNo;
        }

        long hex(char terminator, String field) throws ProcException {
            int stop = line.indexOf(terminator, pos);
            if (stop < 0) {
                throw error(field + " is missing");
            }
            String digits = line.substring(pos, stop);
            pos = stop + 1;
            if (digits.isEmpty() || digits.length() > 16) {
                throw error(field + " '" + digits + "' is not a 64-bit hex number");
            }
            try {
                return Long.parseUnsignedLong(digits, 16);
            } catch (NumberFormatException e) {
                throw error(field + " '" + digits + "' is not hex");
            }
        }

        String token(String field) throws ProcException {
            int stop = line.indexOf(' ', pos);
            if (stop < 0) {
                throw error(field + " is missing");
            }
            String t = line.substring(pos, stop);
            pos = stop + 1;
            return t;
        }

        long decimal(String field) throws ProcException {
            int stop = line.indexOf(' ', pos);
            String digits = stop < 0 ? line.substring(pos) : line.substring(pos, stop);
            pos = stop < 0 ? line.length() : stop;
            try {
                long v = Long.parseLong(digits);
                if (v < 0) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw error(field + " '" + digits + "' is not a decimal number");
            }
        }

        String rest() {
            int p = pos;
            while (p < line.length() && line.charAt(p) == ' ') {
                p++;
            }
            return line.substring(p);
        }

        ProcException error(String what) {
            return new ProcException(source + " line " + lineNo + ": " + what + ": '" + line + "'");
        }
    }
}
