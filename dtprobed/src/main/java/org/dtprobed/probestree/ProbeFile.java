package org.dtprobed.probestree;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.dtprobed.protocol.ProbeEntry;

/**
 * One file of the {@code probes/} tree, the only thing Oracle's {@code dtrace} reads of a stash:
 * {@code u64 DOF_PARSED_VERSION}, then a PROVIDER, a PROBE and {@code ntp} TRACEPOINT records, packed
 * back to back, little-endian (dtprobed-facts §4.3, §5.2; the oracle-dtrace README has a real
 * 144-byte file). Only version 1 is written: it is what the {@code dtrace} built from
 * {@code ../shared/oracle-dtrace} reads, and a version it does not know makes it refuse every probe
 * of the process.
 */
public final class ProbeFile {
    /** {@code DOF_PARSED_VERSION} of dtrace-utils 2.0.1. */
    public static final long DOF_PARSED_VERSION = 1;

    static final int VERSION_BYTES = 8;
    /** Every record: {@code u64 size} (the whole record), {@code u32 type}, 4 bytes of padding. */
    static final int RECORD_SIZE = 0;
    static final int RECORD_TYPE = 8;
    static final int RECORD_PAD = 12;
    static final int RECORD_HEADER = 16;
    static final int TYPE_PROVIDER = 0;
    static final int TYPE_PROBE = 1;
    static final int TYPE_TRACEPOINT = 2;
    /** PROVIDER: {@code u64 nprobes}, then the name without the pid, NUL-terminated. */
    static final int PROVIDER_NPROBES = 16;
    static final int PROVIDER_NAME = 24;
    /** PROBE: {@code u64 ntp}, then {@code module\0function\0name\0}. */
    static final int PROBE_NTP = 16;
    static final int PROBE_NAMES = 24;
    /** TRACEPOINT: {@code u64 addr} (absolute in the process), {@code u32 is_enabled}, 4 bytes of padding. */
    static final int TRACEPOINT_ADDR = 16;
    static final int TRACEPOINT_IS_ENABLED = 24;
    static final int TRACEPOINT_PAD = 28;
    static final int TRACEPOINT_BYTES = 32;

    /** dtrace takes sites in this order: ordinary ones ascending, then is-enabled ones ascending. */
    static final Comparator<ProbeEntry.Site> SITE_ORDER = Comparator
            .comparing(ProbeEntry.Site::isEnabled)
            .thenComparing(ProbeEntry.Site::address, Long::compareUnsigned);

    private ProbeFile() {
    }

    /**
     * What one file says.
     *
     * @param providerProbes the PROVIDER record's probe count (dtrace ignores it)
     * @param sites          in file order
     */
    public record Content(String provider, long providerProbes, String module, String function, String name,
                          List<ProbeEntry.Site> sites) {
        public Content {
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(module, "module");
            Objects.requireNonNull(function, "function");
            Objects.requireNonNull(name, "name");
            sites = List.copyOf(sites);
        }
    }

    /** A file that is not a well-formed version-1 probe file. */
    public static final class FormatException extends Exception {
        FormatException(String message) {
            super(message);
        }
    }

    /** The file, its sites as given: {@link TreeLayout} puts them in {@link #SITE_ORDER}, each once. */
    public static byte[] encode(Content c) {
        byte[] provider = c.provider().getBytes(StandardCharsets.UTF_8);
        byte[] names = (c.module() + '\0' + c.function() + '\0' + c.name() + '\0').getBytes(StandardCharsets.UTF_8);
        int providerSize = PROVIDER_NAME + provider.length + 1;
        int probeSize = PROBE_NAMES + names.length;
        ByteBuffer b = ByteBuffer.allocate(VERSION_BYTES + providerSize + probeSize
                + TRACEPOINT_BYTES * c.sites().size()).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(DOF_PARSED_VERSION);
        int at = b.position();
        b.putLong(at + RECORD_SIZE, providerSize).putInt(at + RECORD_TYPE, TYPE_PROVIDER)
                .putLong(at + PROVIDER_NPROBES, c.providerProbes());
        b.position(at + PROVIDER_NAME).put(provider).put((byte) 0);
        at = b.position();
        b.putLong(at + RECORD_SIZE, probeSize).putInt(at + RECORD_TYPE, TYPE_PROBE)
                .putLong(at + PROBE_NTP, c.sites().size());
        b.position(at + PROBE_NAMES).put(names);
        for (ProbeEntry.Site s : c.sites()) {
            at = b.position();
            b.putLong(at + RECORD_SIZE, TRACEPOINT_BYTES).putInt(at + RECORD_TYPE, TYPE_TRACEPOINT)
                    .putLong(at + TRACEPOINT_ADDR, s.address()).putInt(at + TRACEPOINT_IS_ENABLED, s.isEnabled() ? 1 : 0);
            b.position(at + TRACEPOINT_BYTES);
        }
        return b.array();
    }

    /**
     * Reads a file the way dtrace does (version, then records in order, no size overrunning the
     * file), and also refuses what dtrace would merely misread: bytes after the last tracepoint,
     * a record size that disagrees with its strings, padding that is not zero, names that are not
     * UTF-8. What it accepts, {@link #encode} writes back byte for byte.
     */
    public static Content decode(byte[] file) throws FormatException {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        if (file.length < VERSION_BYTES) {
            throw new FormatException(file.length + " bytes: shorter than the version word");
        }
        long version = b.getLong(0);
        if (version != DOF_PARSED_VERSION) {
            throw new FormatException("version " + version + ", not " + DOF_PARSED_VERSION);
        }
        int at = VERSION_BYTES;
        int providerSize = record(b, at, TYPE_PROVIDER, PROVIDER_NAME + 1);
        long nprobes = b.getLong(at + PROVIDER_NPROBES);
        List<String> provider = strings(file, at + PROVIDER_NAME, at + providerSize, 1);
        at += providerSize;
        int probeSize = record(b, at, TYPE_PROBE, PROBE_NAMES + 3);
        long ntp = b.getLong(at + PROBE_NTP);
        List<String> names = strings(file, at + PROBE_NAMES, at + probeSize, 3);
        at += probeSize;
        if (ntp < 0 || ntp > (file.length - at) / TRACEPOINT_BYTES) {
            throw new FormatException("ntp " + ntp + " tracepoints do not fit in the " + (file.length - at)
                    + " bytes left");
        }
        List<ProbeEntry.Site> sites = new ArrayList<>((int) ntp);
        for (int i = 0; i < ntp; i++) {
            int size = record(b, at, TYPE_TRACEPOINT, TRACEPOINT_BYTES);
            if (size != TRACEPOINT_BYTES) {
                throw new FormatException("tracepoint " + i + " has size " + size + ", not " + TRACEPOINT_BYTES);
            }
            int flag = b.getInt(at + TRACEPOINT_IS_ENABLED);
            if (flag != 0 && flag != 1) {
                throw new FormatException("tracepoint " + i + " has is_enabled " + flag);
            }
            if (b.getInt(at + TRACEPOINT_PAD) != 0) {
                throw new FormatException("tracepoint " + i + " has padding that is not zero");
            }
            sites.add(new ProbeEntry.Site(b.getLong(at + TRACEPOINT_ADDR), flag == 1));
            at += TRACEPOINT_BYTES;
        }
        if (at != file.length) {
            throw new FormatException((file.length - at) + " bytes after the last tracepoint");
        }
        return new Content(provider.get(0), nprobes, names.get(0), names.get(1), names.get(2), sites);
    }

    private static int record(ByteBuffer b, int at, int type, int minSize) throws FormatException {
        if (b.capacity() - at < RECORD_HEADER) {
            throw new FormatException("record at " + at + " is cut off");
        }
        long size = b.getLong(at + RECORD_SIZE);
        int actual = b.getInt(at + RECORD_TYPE);
        if (actual != type) {
            throw new FormatException("record at " + at + " has type " + actual + ", expected " + type);
        }
        if (b.getInt(at + RECORD_PAD) != 0) {
            throw new FormatException("record at " + at + " has padding that is not zero");
        }
        if (size < minSize || size > b.capacity() - at) {
            throw new FormatException("record at " + at + " has size " + size + " (at least " + minSize + ", at most "
                    + (b.capacity() - at) + ")");
        }
        return (int) size;
    }

    /** Exactly {@code count} NUL-terminated strings filling {@code [from, to)}. */
    private static List<String> strings(byte[] file, int from, int to, int count) throws FormatException {
        List<String> out = new ArrayList<>(count);
        int start = from;
        for (int i = from; i < to; i++) {
            if (file[i] == 0) {
                try {
                    out.add(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(file, start, i - start)).toString());
                } catch (java.nio.charset.CharacterCodingException e) {
                    throw new FormatException("record string at " + start + " is not UTF-8");
                }
                start = i + 1;
            }
        }
        if (out.size() != count || start != to) {
            throw new FormatException("record strings at " + from + ": expected " + count
                    + " NUL-terminated strings filling " + (to - from) + " bytes");
        }
        return out;
    }
}
