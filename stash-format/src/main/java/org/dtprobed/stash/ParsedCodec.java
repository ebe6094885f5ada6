package org.dtprobed.stash;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.ParsedProbe;
import org.dtprobed.dof.ParsedProvider;
import org.dtprobed.dof.ProbeSite;
import org.dtprobed.dof.ProviderAttributes;
import org.dtprobed.dof.wire.ParsedDofCodec;
import org.dtprobed.dof.wire.WireFormatException;
import org.dtprobed.protocol.RegistrationKey;

/**
 * Parsed data in the stash. The parse-cache value ({@link StashLayout#PARSE_CACHE_VERSION} 3) is
 * the common header and then a whole {@link ParsedDof} in the one ParsedDof codec that the jailed
 * parser's replies use too ({@link ParsedDofCodec}). The per-probe records inside a registration
 * ({@link StashLayout#PARSED_VERSION} 1) are this class's own layout: a change bumps PARSED_VERSION
 * and adds a codec beside this one; records of another version are rebuilt from raw DOF
 * ({@link Stash#rebuildParsed}).
 */
final class ParsedCodec {
    private ParsedCodec() {
    }

    static byte[] encodeParsed(ParsedDof p) {
        return parseCacheValue(ParsedDofCodec.encode(p));
    }

    /** The parse-cache value around a body in the ParsedDof codec, as it came (a child's reply) or encoded here. */
    static byte[] parseCacheValue(byte[] body) {
        return new RecordOutput(StashLayout.KIND_PARSED, StashLayout.PARSE_CACHE_VERSION, body.length + 16).bytes(body)
                .finish();
    }

    static ParsedDof decodeParsed(byte[] value, String what) throws StashException {
        RecordInput in = RecordInput.open(value, StashLayout.KIND_PARSED, what)
                .requireVersion(StashLayout.PARSE_CACHE_VERSION);
        byte[] body = in.bytes(value.length - in.position());
        in.end();
        try {
            return ParsedDofCodec.decode(ByteBuffer.wrap(body));
        } catch (WireFormatException e) {
            throw new StashException(StashException.Kind.CORRUPT, what + ": " + e.getMessage(), e);
        }
    }

    /** The probe-records section of a registration value (its length is stored by the caller). */
    static void encodeProbes(RecordOutput out, List<ProbeRecord> probes) throws StashException {
        out.count(probes.size(), "probes");
        for (ProbeRecord p : probes) {
            out.str(p.provider(), "provider name").str(p.function(), "function name").str(p.name(), "probe name");
            attributes(out, p.attributes());
            types(out, p.nativeTypes(), p.translatedTypes(), p.argmap());
            sites(out, p.sites());
        }
    }

    static List<ProbeRecord> decodeProbes(RecordInput in, RegistrationKey key, String module) throws StashException {
        return decodeProbes(in, key, module, null, null);
    }

    /**
     * As {@link #decodeProbes(RecordInput, RegistrationKey, String)}; with a memo, each probe whose
     * bytes before its sites equal those of its position in an earlier registration of {@code dof}
     * takes that probe's decoded parts (same objects) instead of decoding them again.
     */
    static List<ProbeRecord> decodeProbes(RecordInput in, RegistrationKey key, String module, ContentHash dof,
                                          ProbePartsMemo memo) throws StashException {
        int n = in.count(12);
        ProbePartsMemo.Seen[] seen = memo == null ? null : memo.of(dof, n);
        List<ProbeRecord> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ProbePartsMemo.Seen s = seen == null ? null : seen[i];
            ProbePartsMemo.Parts p;
            if (s != null && in.startsWith(s.value(), s.from(), s.to())) {
                in.skip(s.to() - s.from());
                p = s.parts();
            } else {
                int from = in.position();
                p = new ProbePartsMemo.Parts(in.str(), in.str(), in.str(), attributes(in), List.copyOf(in.strings()),
                        List.copyOf(in.strings()), List.copyOf(argmap(in)));
                if (seen != null && s == null) {
                    seen[i] = new ProbePartsMemo.Seen(in.value(), from, in.position(), p);
                }
            }
            out.add(new ProbeRecord(key, p.provider(), module, p.function(), p.name(), p.attributes(), p.nativeTypes(),
                    p.translatedTypes(), p.argmap(), sites(in)));
        }
        return out;
    }

    /**
     * The per-probe records of one registration, from its parse result: sites absolute, with the
     * registration's load base applied.
     */
    static List<ProbeRecord> probeRecords(RegistrationKey key, ParsedDof parsed, long loadBase) {
        List<ProbeRecord> out = new ArrayList<>(parsed.probeCount());
        for (ParsedProvider pv : parsed.providers()) {
            for (ParsedProbe pr : pv.probes()) {
                out.add(new ProbeRecord(key, pv.name(), parsed.module(), pr.function(), pr.name(), pv.attributes(),
                        pr.nativeTypes(), pr.translatedTypes(), pr.argmap(), pr.sitesAt(loadBase)));
            }
        }
        return out;
    }

    private static void attributes(RecordOutput out, ProviderAttributes a) {
        out.u32(a.provider()).u32(a.module()).u32(a.function()).u32(a.name()).u32(a.args());
    }

    private static ProviderAttributes attributes(RecordInput in) throws StashException {
        return new ProviderAttributes((int) in.u32(), (int) in.u32(), (int) in.u32(), (int) in.u32(), (int) in.u32());
    }

    private static void types(RecordOutput out, List<String> nat, List<String> xl, List<Integer> argmap) throws StashException {
        out.count(nat.size(), "native types");
        for (String s : nat) {
            out.str(s, "native type");
        }
        out.count(xl.size(), "translated types");
        for (String s : xl) {
            out.str(s, "translated type");
        }
        out.count(argmap.size(), "argmap");
        for (int a : argmap) {
            out.u32(a);
        }
    }

    private static List<Integer> argmap(RecordInput in) throws StashException {
        int n = in.count(4);
        List<Integer> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add((int) in.u32());
        }
        return out;
    }

    private static void sites(RecordOutput out, List<ProbeSite> sites) throws StashException {
        out.count(sites.size(), "sites");
        for (ProbeSite s : sites) {
            out.u64(s.address()).u8(s.isEnabled() ? 1 : 0);
        }
    }

    private static List<ProbeSite> sites(RecordInput in) throws StashException {
        int n = in.count(9);
        List<ProbeSite> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long addr = in.u64();
            int en = in.u8();
            if (en > 1) {
                throw new StashException(StashException.Kind.CORRUPT, "site flag " + en + " is neither 0 nor 1");
            }
            out.add(new ProbeSite(addr, en == 1));
        }
        return out;
    }
}
