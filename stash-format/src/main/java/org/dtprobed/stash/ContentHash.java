package org.dtprobed.stash;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** The key of raw DOF: SHA-256 of its bytes, so identical DOF from many processes is stored once. */
public final class ContentHash implements Comparable<ContentHash> {
    private final byte[] bytes;

    private ContentHash(byte[] bytes) {
        this.bytes = bytes;
    }

    public static ContentHash of(byte[] content) {
        try {
            return new ContentHash(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }

    /** From the 32 key bytes as stored. */
    public static ContentHash fromBytes(byte[] key) {
        if (key.length != StashLayout.DOF_KEY_SIZE) {
            throw new IllegalArgumentException("content hash is " + StashLayout.DOF_KEY_SIZE + " bytes, got " + key.length);
        }
        return new ContentHash(key.clone());
    }

    /** From 64 hex digits (as {@code stash-dump} prints them); anything else is refused. */
    public static ContentHash parseHex(String hex) {
        if (hex == null || hex.length() != 2 * StashLayout.DOF_KEY_SIZE || !hex.matches("[0-9a-fA-F]+")) {
            throw new IllegalArgumentException("a DOF key is 64 hex digits (SHA-256), got '"
                    + (hex == null ? "" : hex.length() > 80 ? hex.substring(0, 80) + "..." : hex) + "'");
        }
        return new ContentHash(HexFormat.of().parseHex(hex));
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ContentHash h && Arrays.equals(bytes, h.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public int compareTo(ContentHash o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
