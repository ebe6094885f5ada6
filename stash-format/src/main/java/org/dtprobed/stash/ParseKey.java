package org.dtprobed.stash;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;
import org.dtprobed.dof.DofHelper;

/**
 * Key of the parse cache: the DOF content and what else its parse result depends on. Not the load
 * base: a result serves every base (each registration applies its own), so N processes of one
 * shared library or PIE share one entry. The result does hold the module name ({@code dofhp_mod})
 * and depends on the registering pid's number of digits (a provider name must leave room for
 * them); both go into {@code variant}: CRC32C of the module's UTF-8 bytes in bits 8–39, the digit
 * count in bits 0–7. Two modules with one CRC share a slot; the reader compares the module it
 * stored ({@link Stash#findParsed}), so that costs a miss, never a wrong answer.
 */
public record ParseKey(ContentHash hash, long variant) {
    public static ParseKey of(ContentHash hash, String module, long pid) {
        CRC32C crc = new CRC32C();
        crc.update(module.getBytes(StandardCharsets.UTF_8));
        return new ParseKey(hash, crc.getValue() << 8 | pidDigits(pid));
    }

    public static ParseKey of(ContentHash hash, DofHelper helper, long pid) {
        return of(hash, helper.module(), pid);
    }

    /** The digits of a pid, as the parser counts them for the provider-name limit (0: unknown). */
    public static int pidDigits(long pid) {
        return pid < 0 ? 0 : Long.toString(pid).length();
    }

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(StashLayout.PARSED_KEY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(StashLayout.PARSED_KEY_OFF_HASH, hash.toBytes());
        b.putLong(StashLayout.PARSED_KEY_OFF_VARIANT, variant);
        return b.array();
    }

    public static ParseKey fromBytes(byte[] k) {
        if (k.length != StashLayout.PARSED_KEY_SIZE) {
            throw new IllegalArgumentException("parse key is " + StashLayout.PARSED_KEY_SIZE + " bytes, got " + k.length);
        }
        ByteBuffer b = ByteBuffer.wrap(k).order(ByteOrder.LITTLE_ENDIAN);
        byte[] h = new byte[StashLayout.DOF_KEY_SIZE];
        b.get(StashLayout.PARSED_KEY_OFF_HASH, h);
        return new ParseKey(ContentHash.fromBytes(h), b.getLong(StashLayout.PARSED_KEY_OFF_VARIANT));
    }

    @Override
    public String toString() {
        return hash + "/" + Long.toHexString(variant);
    }
}
