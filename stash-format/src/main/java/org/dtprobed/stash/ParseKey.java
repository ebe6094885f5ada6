package org.dtprobed.stash;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Key of the parse cache: identical DOF content at the same load base parses to the same result. */
public record ParseKey(ContentHash hash, long loadBase) {
    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(StashLayout.PARSED_KEY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(StashLayout.PARSED_KEY_OFF_HASH, hash.toBytes());
        b.putLong(StashLayout.PARSED_KEY_OFF_LOAD_BASE, loadBase);
        return b.array();
    }

    public static ParseKey fromBytes(byte[] k) {
        if (k.length != StashLayout.PARSED_KEY_SIZE) {
            throw new IllegalArgumentException("parse key is " + StashLayout.PARSED_KEY_SIZE + " bytes, got " + k.length);
        }
        ByteBuffer b = ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN);
        byte[] h = new byte[StashLayout.DOF_KEY_SIZE];
        b.get(StashLayout.PARSED_KEY_OFF_HASH, h);
        return new ParseKey(ContentHash.fromBytes(h), b.getLong(StashLayout.PARSED_KEY_OFF_LOAD_BASE));
    }
}
