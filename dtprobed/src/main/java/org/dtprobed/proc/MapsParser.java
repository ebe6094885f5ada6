package org.dtprobed.proc;

import java.util.ArrayList;
import java.util.List;
import org.dtprobed.protocol.Numbers;

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

    /**
     * @param source names the file in error messages
     */
    public static List<Mapping> parse(String text, String source) throws ProcException {
        // every registration parses its caller's maps: the fields are read in place (no line or
        // field strings), which was most of the ~140 KB a registration allocated (BENCHMARKS.md)
        List<Mapping> out = new ArrayList<>();
        int lineNo = 0;
        int start = 0;
        while (start <= text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            lineNo++;
            if (end > start) {
                out.add(parseLine(new Cursor(text, start, end, source, lineNo)));
            }
            start = end + 1;
        }
        return List.copyOf(out);
    }

    static Mapping parseLine(String line, String source, int lineNo) throws ProcException {
        return parseLine(new Cursor(line, 0, line.length(), source, lineNo));
    }

    private static Mapping parseLine(Cursor c) throws ProcException {
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
        return new Mapping(start, end, perms, offset, Numbers.makedev(major, minor), inode, path, deleted);
    }

    /** Reads the fields of one line of {@code text} left to right; every failure names the file, the line and the field. */
    private static final class Cursor {
        private final String text;
        private final int end;
        private final int lineStart;
        private final String source;
        private final int lineNo;
        private int pos;

        Cursor(String text, int start, int end, String source, int lineNo) {
            this.text = text;
            this.lineStart = start;
            this.end = end;
            this.source = source;
            this.lineNo = lineNo;
            this.pos = start;
        }

        /** Where {@code c} next occurs on this line, or -1. */
        private int find(char c) {
            int i = text.indexOf(c, pos);
            return i < 0 || i >= end ? -1 : i;
        }

        long hex(char terminator, String field) throws ProcException {
            int stop = find(terminator);
            if (stop < 0) {
                throw error(field + " is missing");
            }
            int from = pos;
            pos = stop + 1;
            if (stop == from || stop - from > 16) {
                throw error(field + " '" + text.substring(from, stop) + "' is not a 64-bit hex number");
            }
            try {
                return Long.parseUnsignedLong(text, from, stop, 16);
            } catch (NumberFormatException e) {
                throw error(field + " '" + text.substring(from, stop) + "' is not hex");
            }
        }

        String token(String field) throws ProcException {
            int stop = find(' ');
            if (stop < 0) {
                throw error(field + " is missing");
            }
            String t = text.substring(pos, stop);
            pos = stop + 1;
            return t;
        }

        long decimal(String field) throws ProcException {
            int stop = find(' ');
            int from = pos;
            int to = stop < 0 ? end : stop;
            pos = to;
            try {
                long v = Long.parseLong(text, from, to, 10);
                if (v < 0) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw error(field + " '" + text.substring(from, to) + "' is not a decimal number");
            }
        }

        String rest() {
            int p = pos;
            while (p < end && text.charAt(p) == ' ') {
                p++;
            }
            return text.substring(p, end);
        }

        ProcException error(String what) {
            return new ProcException(source + " line " + lineNo + ": " + what + ": '" + text.substring(lineStart, end) + "'");
        }
    }
}
