package org.dtprobed.stash;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import net.openhft.chronicle.bytes.RandomDataInput;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ExternalMapQueryContext;
import net.openhft.chronicle.map.MapEntry;

/**
 * One stash file whose values can be of any length, stored so that Chronicle Map never has to
 * grow it (layout 2, issue 20). Every entry of the file is one <em>slot</em> of the file's constant
 * size ({@link StashLayout#slotSize}): the slot header (value length, chunk count), then the
 * value's first bytes. What does not fit continues in chunks of {@link StashLayout#CHUNK_SIZE}
 * bytes in {@code chunks-2.cm3}, keyed by this file's tag, the owner's key and the chunk's index.
 *
 * <p>Why: Chronicle sizes a segment for an average entry and chains extra tiers onto a segment
 * that a run of large values fills, and its recovery after a kill through such tiers lost
 * acknowledged entries (StashTierCrashTest, 2026-12-06). With every entry of every file of one
 * constant size, a segment can neither fragment nor hold more bytes than its entry count, so no
 * file grows while the stash admits no more entries than it was sized for.
 *
 * <p>Crash safety: chunks are written before the slot (the commit point of a value) and removed
 * after it. A value read while its chunks are missing or half-replaced comes back with zeros or
 * foreign bytes in their place, which the value's own CRC (the common value header) refuses, so
 * a torn value is never taken for a whole one. Chunks whose owner no longer exists (a crash
 * between the two steps) are collected by {@link #collectOrphans} at every open.
 */
final class ChunkedMap {
    private final String name;
    private final int tag;
    private final int slotSize;
    private final ChronicleMap<byte[], byte[]> slots;
    private final ChronicleMap<byte[], byte[]> chunks;

    ChunkedMap(String name, int tag, ChronicleMap<byte[], byte[]> slots, ChronicleMap<byte[], byte[]> chunks) {
        this.name = name;
        this.tag = tag;
        this.slotSize = StashLayout.slotSize(tag);
        this.slots = slots;
        this.chunks = chunks;
    }

    String name() {
        return name;
    }

    /** Chunks a value of {@code length} bytes needs beyond its slot. */
    int chunksFor(int length) {
        int inline = slotSize - StashLayout.SLOT_HEADER_SIZE;
        return length <= inline ? 0 : (length - inline + StashLayout.CHUNK_SIZE - 1) / StashLayout.CHUNK_SIZE;
    }

    /** The whole value, or null; missing chunks read as zeros (refused by the value's CRC). */
    byte[] get(byte[] key) {
        byte[] slot = slots.get(key);
        if (slot == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(slot).order(ByteOrder.LITTLE_ENDIAN);
        int length = b.getInt(StashLayout.SLOT_OFF_LENGTH);
        int n = b.getInt(StashLayout.SLOT_OFF_CHUNKS);
        int inline = slot.length - StashLayout.SLOT_HEADER_SIZE;
        if (length < 0 || n < 0 || n != chunksFor(length) || slot.length != slotSize) {
            // not a slot this layout writes: an empty value fails every codec's header check
            return new byte[0];
        }
        byte[] v = new byte[length];
        System.arraycopy(slot, StashLayout.SLOT_HEADER_SIZE, v, 0, Math.min(length, inline));
        for (int i = 0; i < n; i++) {
            byte[] c = chunks.get(chunkKey(key, i));
            int off = inline + i * StashLayout.CHUNK_SIZE;
            if (c != null) {
                System.arraycopy(c, 0, v, off, Math.min(c.length, length - off));
            }
        }
        return v;
    }

    /** Stores the value: its chunks first, then its slot, then drops chunks an older, longer value left. */
    void put(byte[] key, byte[] value) {
        int inline = slotSize - StashLayout.SLOT_HEADER_SIZE;
        int n = chunksFor(value.length);
        byte[] slot = new byte[slotSize];
        ByteBuffer b = ByteBuffer.wrap(slot).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(StashLayout.SLOT_OFF_LENGTH, value.length);
        b.putInt(StashLayout.SLOT_OFF_CHUNKS, n);
        System.arraycopy(value, 0, slot, StashLayout.SLOT_HEADER_SIZE, Math.min(value.length, inline));
        int oldChunks;
        // the old slot's header is read where it lies, not copied out of the file with its value
        try (ExternalMapQueryContext<byte[], byte[], ?> q = slots.queryContext(key)) {
            q.updateLock().lock();
            MapEntry<byte[], byte[]> old = q.entry();
            oldChunks = old == null ? 0 : Math.max(0, headerInt(old.value(), StashLayout.SLOT_OFF_CHUNKS));
            for (int i = 0; i < n; i++) {
                int off = inline + i * StashLayout.CHUNK_SIZE;
                byte[] c = new byte[StashLayout.CHUNK_SIZE];
                System.arraycopy(value, off, c, 0, Math.min(StashLayout.CHUNK_SIZE, value.length - off));
                chunks.put(chunkKey(key, i), c);
            }
            if (old == null) {
                q.absentEntry().doInsert(q.wrapValueAsData(slot));
            } else {
                old.doReplaceValue(q.wrapValueAsData(slot));
            }
        }
        for (int i = n; i < oldChunks; i++) {
            chunks.remove(chunkKey(key, i));
        }
    }

    /** Removes the value: its slot (the commit point), then its chunks. Returns its length, or -1. */
    int remove(byte[] key) {
        int n;
        int length;
        try (ExternalMapQueryContext<byte[], byte[], ?> q = slots.queryContext(key)) {
            q.updateLock().lock();
            MapEntry<byte[], byte[]> old = q.entry();
            if (old == null) {
                return -1;
            }
            n = headerInt(old.value(), StashLayout.SLOT_OFF_CHUNKS);
            length = headerInt(old.value(), StashLayout.SLOT_OFF_LENGTH);
            old.doRemove();
        }
        for (int i = 0; i < n; i++) {
            chunks.remove(chunkKey(key, i));
        }
        return Math.max(0, length);
    }

    /** A little-endian int of a stored slot's header; 0 for a value too short to have one. */
    private static int headerInt(Data<byte[]> slot, int offset) {
        if (slot.size() < StashLayout.SLOT_HEADER_SIZE) {
            return 0;
        }
        RandomDataInput in = slot.bytes();
        long at = slot.offset() + offset;
        return (in.readByte(at) & 0xff) | (in.readByte(at + 1) & 0xff) << 8 | (in.readByte(at + 2) & 0xff) << 16
                | (in.readByte(at + 3) & 0xff) << 24;
    }

    boolean containsKey(byte[] key) {
        return slots.containsKey(key);
    }

    Set<byte[]> keySet() {
        return slots.keySet();
    }

    long longSize() {
        return slots.longSize();
    }

    private byte[] chunkKey(byte[] owner, int index) {
        return chunkKey(tag, owner, index);
    }

    static byte[] chunkKey(int tag, byte[] owner, int index) {
        if (owner.length > StashLayout.CHUNK_KEY_OWNER_MAX) {
            throw new IllegalArgumentException("owner key of " + owner.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.allocate(StashLayout.CHUNK_KEY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(StashLayout.CHUNK_KEY_OFF_TAG, (byte) tag);
        b.put(StashLayout.CHUNK_KEY_OFF_OWNER_LENGTH, (byte) owner.length);
        b.putInt(StashLayout.CHUNK_KEY_OFF_INDEX, index);
        b.put(StashLayout.CHUNK_KEY_OFF_OWNER, owner);
        return b.array();
    }

    /**
     * Removes every chunk whose owner's slot is gone or does not count it (a crash between a
     * value's chunks and its slot, or between a removal's slot and its chunks). Returns how many.
     */
    static int collectOrphans(ChronicleMap<byte[], byte[]> chunks, List<ChunkedMap> owners) {
        int removed = 0;
        for (byte[] k : List.copyOf(chunks.keySet())) {
            if (!owned(k, owners)) {
                chunks.remove(k);
                removed++;
            }
        }
        return removed;
    }

    private static boolean owned(byte[] k, List<ChunkedMap> owners) {
        if (k.length != StashLayout.CHUNK_KEY_SIZE) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN);
        int tag = b.get(StashLayout.CHUNK_KEY_OFF_TAG);
        int ownerLength = b.get(StashLayout.CHUNK_KEY_OFF_OWNER_LENGTH);
        int index = b.getInt(StashLayout.CHUNK_KEY_OFF_INDEX);
        if (ownerLength < 0 || ownerLength > StashLayout.CHUNK_KEY_OWNER_MAX || index < 0) {
            return false;
        }
        byte[] owner = Arrays.copyOfRange(k, StashLayout.CHUNK_KEY_OFF_OWNER, StashLayout.CHUNK_KEY_OFF_OWNER + ownerLength);
        for (ChunkedMap m : owners) {
            if (m.tag == tag) {
                byte[] slot = m.slots.get(owner);
                return slot != null && slot.length >= StashLayout.SLOT_HEADER_SIZE
                        && index < ByteBuffer.wrap(slot).order(ByteOrder.LITTLE_ENDIAN).getInt(StashLayout.SLOT_OFF_CHUNKS);
            }
        }
        return false;
    }
}
