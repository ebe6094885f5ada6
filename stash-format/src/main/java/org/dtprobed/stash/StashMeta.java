package org.dtprobed.stash;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import net.openhft.chronicle.map.ChronicleMap;

/**
 * {@code meta.cm3}: named u64 values (key: the UTF-8 name; value: common header + u64) — the
 * layout version, the clean-shutdown mirror and counters that survive restarts.
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

    private StashMeta() {
    }

    static Long get(ChronicleMap<byte[], byte[]> meta, String name) throws StashException {
        byte[] v = meta.get(name.getBytes(StandardCharsets.UTF_8));
        if (v == null) {
            return null;
        }
        RecordInput in = RecordInput.open(v, StashLayout.KIND_META, "meta " + name).requireVersion(StashLayout.META_VERSION);
        long x = in.u64();
        in.end();
        return x;
    }

    static void put(ChronicleMap<byte[], byte[]> meta, String name, long value) {
        meta.put(name.getBytes(StandardCharsets.UTF_8),
                new RecordOutput(StashLayout.KIND_META, StashLayout.META_VERSION, StashLayout.META_VALUE_SIZE)
                        .u64(value).finish());
    }

    static void increment(ChronicleMap<byte[], byte[]> meta, String name) throws StashException {
        Long v = get(meta, name);
        put(meta, name, (v == null ? 0 : v) + 1);
    }

    /** Every entry by name; an undecodable one is reported as -1. */
    public static Map<String, Long> all(StashFiles files) {
        Map<String, Long> out = new TreeMap<>();
        for (byte[] k : java.util.List.copyOf(files.meta.keySet())) {
            String name = new String(k, StandardCharsets.UTF_8);
            try {
                Long v = get(files.meta, name);
                if (v != null) {
                    out.put(name, v);
                }
            } catch (StashException e) {
                out.put(name, -1L);
            }
        }
        return out;
    }
}
