package org.dtprobed.stash;

/**
 * Every byte layout of the stash in one place: key layouts, the common value header and the
 * version words. All integers are little-endian. The specification these belong to is the
 * javadoc of {@link Stash}.
 */
public final class StashLayout {
    /**
     * Version of the set of files, of every key layout and of the slot framing; a change means new
     * file names (layout 1 had no chunks file and stored values as they are; layout 2 frames them
     * in constant-size slots, see {@link ChunkedMap}).
     */
    public static final int LAYOUT_VERSION = 2;

    // Slot framing (layout 2) of registrations, raw DOF and parse-cache values: every entry of
    // these files is one slot of the file's constant size, so that Chronicle never grows a file.
    public static final int SLOT_OFF_LENGTH = 0;     // u32: length of the whole value
    public static final int SLOT_OFF_CHUNKS = 4;     // u32: chunks of the value in chunks-2.cm3
    public static final int SLOT_HEADER_SIZE = 8;    // then the value's first (slot size - 8) bytes, zero-padded
    public static final int SLOT_TAG_REGISTRATIONS = 1;
    public static final int SLOT_TAG_RAW_DOF = 2;
    public static final int SLOT_TAG_PARSED = 3;
    /** A 20-probe registration (2,691 bytes) fits its slot whole. */
    public static final int REGISTRATION_SLOT_SIZE = 3 * 1024;
    /** The corpus's raw DOF averages 2.2 KiB. */
    public static final int RAW_DOF_SLOT_SIZE = 4 * 1024;
    public static final int PARSED_SLOT_SIZE = 4 * 1024;

    // chunks-2.cm3 key: the owner file's tag, the owner key's length, the chunk's index, the owner
    // key (zero-padded). Value: CHUNK_SIZE bytes of the value (the last chunk zero-padded).
    public static final int CHUNK_KEY_OFF_TAG = 0;          // u8: SLOT_TAG_*
    public static final int CHUNK_KEY_OFF_OWNER_LENGTH = 1; // u8
    public static final int CHUNK_KEY_OFF_INDEX = 4;        // u32
    public static final int CHUNK_KEY_OFF_OWNER = 8;        // the owner's key
    public static final int CHUNK_KEY_OWNER_MAX = 40;
    public static final int CHUNK_KEY_SIZE = 48;
    public static final int CHUNK_SIZE = 4 * 1024;

    // Common value header, first 8 bytes of every value in every map.
    public static final int VALUE_OFF_VERSION = 0;   // u16: version of this value kind's layout
    public static final int VALUE_OFF_KIND = 2;      // u16: one of KIND_*
    public static final int VALUE_OFF_CRC = 4;       // u32: CRC32C of bytes [VALUE_HEADER_SIZE, end)
    public static final int VALUE_HEADER_SIZE = 8;

    public static final int KIND_REGISTRATION = 1;
    public static final int KIND_RAW_DOF = 2;
    public static final int KIND_PARSED = 3;
    public static final int KIND_NEGATIVE = 4;
    public static final int KIND_PID = 5;
    public static final int KIND_META = 6;

    /**
     * Layout version of registration values (the part before the probe records): 2 adds a flags
     * byte (bit 0: adopted, issue 13); values of version 1 still decode (flags 0).
     */
    public static final int REGISTRATION_VERSION = 2;
    public static final int REGISTRATION_FLAG_ADOPTED = 1;
    /** Layout version of the probe records in registrations. */
    public static final int PARSED_VERSION = 1;
    /**
     * Layout version of parse-cache values: 3 is the base-independent result (sites before the
     * load base is applied, keyed without it; issue 13); 2 held a result relocated for the load
     * base in its key; both are the one ParsedDof codec the parser's replies use
     * ({@code org.dtprobed.dof.wire.ParsedDofCodec}); 1 (layout 1) was a codec of the stash's own.
     * Entries of another version are dropped at open ({@link StashRepair}); the cache refills.
     */
    public static final int PARSE_CACHE_VERSION = 3;
    public static final int RAW_DOF_VERSION = 1;
    /** 2 adds the object's path (issue 13: stash-dump shows it); entries of version 1 still decode. */
    public static final int NEGATIVE_VERSION = 2;
    public static final int PID_VERSION = 1;
    public static final int META_VERSION = 1;

    // registrations key: (pid, generation)
    public static final int REG_KEY_OFF_PID = 0;     // u32
    public static final int REG_KEY_OFF_KIND = 4;    // u32: KEY_LIVE, or KEY_BACKUP during a rebuild
    public static final int KEY_LIVE = 0;
    public static final int KEY_BACKUP = 1;
    public static final int REG_KEY_OFF_GEN = 8;     // u64
    public static final int REG_KEY_SIZE = 16;

    // raw DOF key: SHA-256 of the DOF bytes
    public static final int DOF_KEY_SIZE = 32;

    // parse-cache key: (content hash, variant: module CRC32C and pid digits, see ParseKey)
    public static final int PARSED_KEY_OFF_HASH = 0;
    public static final int PARSED_KEY_OFF_VARIANT = 32; // u64
    public static final int PARSED_KEY_SIZE = 40;

    // pids key: (pid, slot). Two slots, written alternately, so that an update interrupted by a
    // crash (which Chronicle's recovery deletes for its bad checksum) never loses the last value.
    public static final int PID_KEY_OFF_PID = 0;     // u32
    public static final int PID_KEY_OFF_SLOT = 4;    // u32: 0 or 1
    public static final int PID_KEY_SIZE = 8;

    // negative-cache key: (dev, inode) of an object file
    public static final int NEG_KEY_OFF_DEV = 0;     // u64
    public static final int NEG_KEY_OFF_INO = 8;     // u64
    public static final int NEG_KEY_SIZE = 16;

    // pid value payload (after the header)
    public static final int PID_OFF_NEXT_GEN = 8;    // u64
    public static final int PID_OFF_START_TIME = 16; // u64
    public static final int PID_OFF_EXEC_DEV = 24;   // u64
    public static final int PID_OFF_EXEC_INO = 32;   // u64
    public static final int PID_VALUE_SIZE = 40;

    // meta key: UTF-8 name, then one slot byte (0 or 1), written alternately as for pids.
    // meta value payload: the slot with the higher sequence number holds the current value
    public static final int META_OFF_SEQUENCE = 8;   // u64
    public static final int META_OFF_VALUE = 16;     // u64
    public static final int META_VALUE_SIZE = 24;

    /** Longest string (UTF-8 bytes) a record may hold: names, types, paths, reasons. */
    public static final int MAX_STRING_BYTES = 4096;
    /** Most elements of one list inside a record (probes, sites, types). */
    public static final int MAX_LIST_SIZE = 1_000_000;

    /** The slot size of the file with this tag. */
    public static int slotSize(int tag) {
        return switch (tag) {
            case SLOT_TAG_REGISTRATIONS -> REGISTRATION_SLOT_SIZE;
            case SLOT_TAG_RAW_DOF -> RAW_DOF_SLOT_SIZE;
            case SLOT_TAG_PARSED -> PARSED_SLOT_SIZE;
            default -> throw new IllegalArgumentException("no slotted file has tag " + tag);
        };
    }

    private StashLayout() {
    }
}
