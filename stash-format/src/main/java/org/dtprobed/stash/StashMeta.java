package org.dtprobed.stash;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.openhft.chronicle.map.ChronicleMap;

/**
 * {@code meta.cm3}: named u64 values — the layout version, the clean-shutdown mirror and counters
 * that survive restarts. Key: the UTF-8 name and a slot byte; value: common header, u64 sequence,
 * u64 value. Each write goes to the slot the current value is not in, so a crash during an
 * update (after which Chronicle's recovery deletes the half-written entry) keeps the previous one.
 */
public final class StashMeta {
    public static final String LAYOUT_VERSION = "layout-version";
    public static final String PARSED_VERSION = "parsed-version";
    public static final String CLEAN_SHUTDOWN = "clean-shutdown";
    public static final String OPENS = "opens";
    public static final String UNCLEAN_OPENS = "unclean-opens";
    public static final String COMMITS = "commits";
    public static final String REMOVES = "removes";
    public static final String REBUILDS = "rebuilds";
    /** The owner's negative-cache TTL and bound, so that tools can show expiry. */
    public static final String NEGATIVE_TTL = "negative-ttl-millis";
    public static final String NEGATIVE_BOUND = "negative-bound";
    public static final String CREATED_AT = "created-at-millis";
    /** The entry counts the files were created with ({@link StashConfig}): admission uses these. */
    public static final String SIZED_REGISTRATIONS = "sized-registrations";
    public static final String SIZED_RAW_DOF = "sized-raw-dof";
    public static final String SIZED_PARSED = "sized-parsed";
    public static final String SIZED_CHUNKS = "sized-chunks";
    public static final String SIZED_PIDS = "sized-pids";

    private StashMeta() {
    }

    private record Slot(int slot, long sequence, long value) {
    }

    private static byte[] key(String name, int slot) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] k = Arrays.copyOf(n, n.length + 1);
        k[n.length] = (byte) slot;
        return k;
    }

    private static Slot current(ChronicleMap<byte[], byte[]> meta, String name) {
        Slot best = null;
        for (int slot = 0; slot < 2; slot++) {
            byte[] v = meta.get(key(name, slot));
            if (v == null) {
                continue;
            }
            try {
                RecordInput in = RecordInput.open(v, StashLayout.KIND_META, "meta " + name)
                        .requireVersion(StashLayout.META_VERSION);
                Slot s = new Slot(slot, in.u64(), in.u64());
                in.end();
                if (best == null || s.sequence() > best.sequence()) {
                    best = s;
                }
            } catch (StashException e) {
                // the other slot holds the previous value
            }
        }
        return best;
    }

    static Long get(ChronicleMap<byte[], byte[]> meta, String name) {
        Slot s = current(meta, name);
        return s == null ? null : s.value();
    }

    static void put(ChronicleMap<byte[], byte[]> meta, String name, long value) {
        Slot s = current(meta, name);
        long seq = s == null ? 0 : s.sequence() + 1;
        meta.put(key(name, (int) (seq & 1)), value(seq, value));
    }

    static void increment(ChronicleMap<byte[], byte[]> meta, String name) {
        Long v = get(meta, name);
        put(meta, name, (v == null ? 0 : v) + 1);
    }

    private static byte[] value(long sequence, long value) {
        return new RecordOutput(StashLayout.KIND_META, StashLayout.META_VERSION, StashLayout.META_VALUE_SIZE)
                .u64(sequence).u64(value).finish();
    }

    /**
     * A counter an open stash bumps on every commit or removal: read once, then an increment writes
     * the next slot, with keys made once (issue 16: {@link #increment} read both slots, decoded them
     * and made four keys and a description each time), and at most once per {@link #WRITE_EVERY_NANOS}:
     * the counters are statistics, and a same-DOF registration paid two map writes for them (commit
     * and the replaced registration's removal). {@link #flush} writes what is left (the stash's
     * close, each prune pass); a {@code kill -9} loses the counts since the last write. Used under
     * the stash's monitor; only that stash writes the file meanwhile, so what it remembers stays true.
     */
    static final class Counter {
        static final long WRITE_EVERY_NANOS = 1_000_000_000L;
        private final String name;
        private final byte[][] keys;
        private boolean read;
        private long sequence;
        private long value;
        /** The value in the file, when {@link #read}. */
        private long written;
        private long writtenAtNanos;

        Counter(String name) {
            this.name = name;
            this.keys = new byte[][] {key(name, 0), key(name, 1)};
        }

        void increment(ChronicleMap<byte[], byte[]> meta, long nowNanos) {
            if (!read) {
                Slot s = current(meta, name);
                sequence = s == null ? -1 : s.sequence();
                value = s == null ? 0 : s.value();
                written = value;
                read = true;
                writtenAtNanos = nowNanos - WRITE_EVERY_NANOS; // the first increment is written at once
            }
            value++;
            if (nowNanos - writtenAtNanos >= WRITE_EVERY_NANOS) {
                write(meta, nowNanos);
            }
        }

        /** Writes the count if the file lags behind it. */
        void flush(ChronicleMap<byte[], byte[]> meta, long nowNanos) {
            if (read && written != value) {
                write(meta, nowNanos);
            }
        }

        private void write(ChronicleMap<byte[], byte[]> meta, long nowNanos) {
            long seq = sequence + 1;
            meta.put(keys[(int) (seq & 1)], value(seq, value));
            sequence = seq;
            written = value;
            writtenAtNanos = nowNanos;
        }
    }

    /** Every entry by name. */
    public static Map<String, Long> all(StashFiles files) {
        Map<String, Long> out = new TreeMap<>();
        for (byte[] k : List.copyOf(files.meta.keySet())) {
            if (k.length < 2) {
                continue;
            }
            String name = new String(k, 0, k.length - 1, StandardCharsets.UTF_8);
            Long v = get(files.meta, name);
            if (v != null) {
                out.put(name, v);
            }
        }
        return out;
    }
}
