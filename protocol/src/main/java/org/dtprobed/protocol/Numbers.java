package org.dtprobed.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;

/**
 * The two ways every tool ({@code dtprobe}, {@code stash-dump}, {@code dof-dump}, the query
 * protocol) writes addresses, devices, inodes and times (docs/PROTOCOL.md, "Numbers"):
 *
 * <ul>
 *   <li>for machines (JSON): addresses, {@code dev}, {@code ino}, sizes and offsets are JSON
 *       integers, unsigned 64-bit ({@code dev} in glibc's {@code makedev} encoding, as {@code stat}
 *       gives it); times are ISO-8601 UTC strings;</li>
 *   <li>for people (text): addresses and offsets in hex ({@code 0x55c961a6648a}), devices as
 *       {@code major:minor} in decimal ({@code 254:0}, as {@code lsblk} and {@code
 *       /proc/PID/mountinfo} show them), inodes in decimal, times as ISO-8601 UTC.</li>
 * </ul>
 */
public final class Numbers {
    private Numbers() {
    }

    /** An address or offset for people: {@code 0x} and lower-case hex, unsigned. */
    public static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** A device for people: {@code major:minor} in decimal. */
    public static String device(long dev) {
        return major(dev) + ":" + minor(dev);
    }

    /** A time for people and machines alike: ISO-8601 in UTC. */
    public static String time(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }

    /** A file time in nanoseconds since the epoch, for people: ISO-8601 in UTC, to the nanosecond. */
    public static String timeNanos(long epochNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
                Math.floorMod(epochNanos, 1_000_000_000L)).toString();
    }

    /** glibc's {@code gnu_dev_major}. */
    public static long major(long dev) {
        return ((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL);
    }

    /** glibc's {@code gnu_dev_minor}. */
    public static long minor(long dev) {
        return ((dev >>> 12) & 0xffffff00L) | (dev & 0xffL);
    }

    /** glibc's {@code makedev}: the {@code st_dev} of a {@code MAJOR:MINOR}. */
    public static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
                | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    /** A number for machines: a JSON integer, unsigned 64-bit (never negative, never a string). */
    public static void writeUnsigned(JsonGenerator g, long v) throws IOException {
        if (v >= 0) {
            g.writeNumber(v);
        } else {
            g.writeNumber(unsigned(v));
        }
    }

    /** {@link #writeUnsigned} as a field. */
    public static void writeUnsignedField(JsonGenerator g, String field, long v) throws IOException {
        g.writeFieldName(field);
        writeUnsigned(g, v);
    }

    /** {@link #writeUnsigned} into a tree. */
    public static ObjectNode putUnsigned(ObjectNode o, String field, long v) {
        return v >= 0 ? o.put(field, v) : o.put(field, unsigned(v));
    }

    /** {@link #writeUnsigned} onto the end of a tree's array. */
    public static ArrayNode addUnsigned(ArrayNode a, long v) {
        return v >= 0 ? a.add(v) : a.add(unsigned(v));
    }

    /** {@link #writeUnsigned} as a tree node. */
    public static JsonNode unsignedNode(long v) {
        return v >= 0 ? JsonNodeFactory.instance.numberNode(v) : JsonNodeFactory.instance.numberNode(unsigned(v));
    }

    private static BigInteger unsigned(long v) {
        return new BigInteger(Long.toUnsignedString(v));
    }
}
