package org.dtprobed.stash;

import java.util.List;
import org.dtprobed.dof.DofHelper;
import org.dtprobed.protocol.RegistrationKey;

/**
 * Registration values, {@link StashLayout#REGISTRATION_VERSION} 2, after the common header:
 * <pre>
 * u32 pid, u64 generation, u64 committedAtMillis,
 * u64 mapDev, u64 mapInode, u64 mapStart, str mapPath,
 * str module, u64 loadBase, u64 dofAddress,
 * u64 startTime, u64 execDev, u64 execInode,
 * 32 bytes dofKey, u64 dofSize,
 * u8 flags (version 2; bit 0 adopted; version 1 has no such byte),
 * u16 parsedVersion, u32 probesLength, probesLength bytes of probe records (ParsedCodec)
 * </pre>
 * The probe records carry their own version and length so that a registration whose probes were
 * written by another version still decodes (its probes are then rebuilt from raw DOF).
 */
final class RegistrationCodec {
    /** Bytes of a probe record with short names, a few typed arguments and one site. */
    private static final int ENCODED_PROBE_ESTIMATE = 160;
    private RegistrationCodec() {
    }

    static byte[] encode(Registration r) throws StashException {
        return encode(r, StashLayout.PARSED_VERSION);
    }

    /** Writes the probe records under the given parsed version (tests simulate an older writer). */
    static byte[] encode(Registration r, int parsedVersion) throws StashException {
        // sized for the usual probe so that the buffer seldom grows
        RecordOutput out = new RecordOutput(StashLayout.KIND_REGISTRATION, StashLayout.REGISTRATION_VERSION,
                256 + ENCODED_PROBE_ESTIMATE * r.probes().size());
        RegistrationRecord rec = r.record();
        out.u32(r.key().pid()).u64(r.key().generation()).u64(r.committedAtMillis());
        Mapping m = rec.mapping();
        out.u64(m.dev()).u64(m.inode()).u64(m.start()).str(m.path(), "mapping path");
        DofHelper h = rec.helper();
        out.str(h.module(), "module").u64(h.loadBase()).u64(h.dofAddress());
        ProcessIdentity p = rec.process();
        out.u64(p.startTime()).u64(p.execDev()).u64(p.execInode());
        out.bytes(r.dofKey().toBytes()).u64(r.dofSize());
        out.u8(rec.adopted() ? StashLayout.REGISTRATION_FLAG_ADOPTED : 0);
        out.u16(parsedVersion);
        int lengthAt = out.position();
        out.u32(0);
        ParsedCodec.encodeProbes(out, r.probes());
        out.u32At(lengthAt, out.position() - lengthAt - 4);
        return out.finish();
    }

    static Registration decode(byte[] value, String what) throws StashException {
        return decode(value, what, null);
    }

    /** As {@link #decode(byte[], String)}, taking the probes' parts that {@code memo} already decoded (null: none). */
    static Registration decode(byte[] value, String what, ProbePartsMemo memo) throws StashException {
        RecordInput in = RecordInput.open(value, StashLayout.KIND_REGISTRATION, what);
        if (in.version() != 1) {
            in.requireVersion(StashLayout.REGISTRATION_VERSION);
        }
        RegistrationKey key = RegistrationKeyCodec.stored((int) in.u32(), in.u64(), what);
        long at = in.u64();
        Mapping m = new Mapping(in.u64(), in.u64(), in.u64(), in.str());
        DofHelper h = new DofHelper(in.str(), in.u64(), in.u64());
        ProcessIdentity p = new ProcessIdentity(in.u64(), in.u64(), in.u64());
        ContentHash dofKey = ContentHash.fromBytes(in.bytes(StashLayout.DOF_KEY_SIZE));
        long dofSize = in.u64();
        int flags = in.version() == 1 ? 0 : in.u8();
        if ((flags & ~StashLayout.REGISTRATION_FLAG_ADOPTED) != 0) {
            throw new StashException(StashException.Kind.CORRUPT, what + ": unknown registration flags " + flags);
        }
        int parsedVersion = in.u16();
        long len = in.u32();
        int start = in.position();
        List<ProbeRecord> probes = List.of();
        if (parsedVersion == StashLayout.PARSED_VERSION) {
            probes = ParsedCodec.decodeProbes(in, key, h.module(), dofKey, memo);
            if (in.position() - start != len) {
                throw new StashException(StashException.Kind.CORRUPT,
                        what + ": probe records take " + (in.position() - start) + " bytes, header says " + len);
            }
        } else if (len > value.length) {
            throw new StashException(StashException.Kind.CORRUPT, what + ": probe records length " + len);
        } else {
            in.bytes((int) len);
        }
        in.end();
        RegistrationRecord rec = new RegistrationRecord(key.pid(), m, h, p,
                (flags & StashLayout.REGISTRATION_FLAG_ADOPTED) != 0);
        return new Registration(key, rec, dofKey, dofSize, at, parsedVersion, probes);
    }

}
