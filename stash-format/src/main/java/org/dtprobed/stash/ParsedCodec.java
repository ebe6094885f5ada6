package org.dtprobed.stash;

import java.util.ArrayList;
import java.util.List;
import org.dtprobed.dof.DofHeader;
import org.dtprobed.dof.DofRule;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.dof.ParsedProbe;
import org.dtprobed.dof.ParsedProvider;
import org.dtprobed.dof.ParsedRelocation;
import org.dtprobed.dof.PolicyViolation;
import org.dtprobed.dof.ProbeSite;
import org.dtprobed.dof.ProviderAttributes;

/**
 * Parsed data, {@link StashLayout#PARSED_VERSION} 1: the parse-cache value (a whole
 * {@link ParsedDof}) and the per-probe records inside a registration. A change of either layout
 * bumps PARSED_VERSION and adds a codec beside this one; records of another version are rebuilt
 * from raw DOF ({@link Stash#rebuildParsed}).
 */
final class ParsedCodec {
    private ParsedCodec() {
    }

    static byte[] encodeParsed(ParsedDof p) throws StashException {
        RecordOutput out = new RecordOutput(StashLayout.KIND_PARSED, StashLayout.PARSED_VERSION, 512);
        DofHeader h = p.header();
        out.u8(h.model()).u8(h.encoding()).u8(h.version()).u8(h.difVersion()).u8(h.difIntRegs()).u8(h.difTupleRegs());
        out.u64(h.flags()).u64(h.headerSize()).u64(h.sectionHeaderSize()).u64(h.sectionCount())
                .u64(h.sectionOffset()).u64(h.loadSize()).u64(h.fileSize());
        out.str(p.module(), "module");
        out.count(p.providers().size(), "providers");
        for (ParsedProvider pv : p.providers()) {
            out.u32(pv.section()).str(pv.name(), "provider name");
            attributes(out, pv.attributes());
            out.count(pv.probes().size(), "probes");
            for (ParsedProbe pr : pv.probes()) {
                out.str(pr.function(), "function name").str(pr.name(), "probe name");
                types(out, pr.nativeTypes(), pr.translatedTypes(), pr.argmap());
                longs(out, pr.offsets(), "offsets");
                longs(out, pr.enabledOffsets(), "is-enabled offsets");
                out.u64(pr.storedAddress()).u64(pr.address());
                sites(out, pr.sites());
            }
        }
        out.count(p.relocations().size(), "relocations");
        for (ParsedRelocation r : p.relocations()) {
            out.str(r.symbol(), "relocation symbol").u32(r.type()).u64(r.offset()).u32(r.targetSection());
        }
        out.count(p.violations().size(), "violations");
        for (PolicyViolation v : p.violations()) {
            out.str(v.rule().name(), "rule").str(v.where(), "violation place").str(v.detail(), "violation detail");
        }
        return out.finish();
    }

    static ParsedDof decodeParsed(byte[] value, String what) throws StashException {
        RecordInput in = RecordInput.open(value, StashLayout.KIND_PARSED, what).requireVersion(StashLayout.PARSED_VERSION);
        DofHeader h = new DofHeader(in.u8(), in.u8(), in.u8(), in.u8(), in.u8(), in.u8(),
                in.u64(), in.u64(), in.u64(), in.u64(), in.u64(), in.u64(), in.u64());
        String module = in.str();
        int np = in.count(8);
        List<ParsedProvider> providers = new ArrayList<>(np);
        for (int i = 0; i < np; i++) {
            int section = (int) in.u32();
            String name = in.str();
            ProviderAttributes attrs = attributes(in);
            int nprobe = in.count(8);
            List<ParsedProbe> probes = new ArrayList<>(nprobe);
            for (int j = 0; j < nprobe; j++) {
                String fn = in.str();
                String pn = in.str();
                List<String> nat = in.strings();
                List<String> xl = in.strings();
                List<Integer> argmap = argmap(in);
                List<Long> offs = longs(in);
                List<Long> enoffs = longs(in);
                long stored = in.u64();
                long addr = in.u64();
                probes.add(new ParsedProbe(fn, pn, nat, xl, argmap, offs, enoffs, stored, addr, sites(in)));
            }
            providers.add(new ParsedProvider(section, name, attrs, probes));
        }
        int nr = in.count(20);
        List<ParsedRelocation> relocs = new ArrayList<>(nr);
        for (int i = 0; i < nr; i++) {
            relocs.add(new ParsedRelocation(in.str(), (int) in.u32(), in.u64(), (int) in.u32()));
        }
        int nv = in.count(12);
        List<PolicyViolation> violations = new ArrayList<>(nv);
        for (int i = 0; i < nv; i++) {
            violations.add(violation(in.str(), in.str(), in.str(), what));
        }
        in.end();
        return new ParsedDof(h, module, providers, relocs, violations);
    }

    private static PolicyViolation violation(String rule, String where, String detail, String what) throws StashException {
        try {
            return new PolicyViolation(DofRule.valueOf(rule), where, detail);
        } catch (IllegalArgumentException e) {
            throw new StashException(StashException.Kind.CORRUPT, what + ": unknown policy rule '" + rule + "'");
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
        int n = in.count(12);
        List<ProbeRecord> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String prov = in.str();
            String fn = in.str();
            String name = in.str();
            ProviderAttributes attrs = attributes(in);
            List<String> nat = in.strings();
            List<String> xl = in.strings();
            List<Integer> argmap = argmap(in);
            out.add(new ProbeRecord(key, prov, module, fn, name, attrs, nat, xl, argmap, sites(in)));
        }
        return out;
    }

    /** The per-probe records of one registration, from its parse result. */
    static List<ProbeRecord> probeRecords(RegistrationKey key, ParsedDof parsed) {
        List<ProbeRecord> out = new ArrayList<>(parsed.probeCount());
        for (ParsedProvider pv : parsed.providers()) {
            for (ParsedProbe pr : pv.probes()) {
                out.add(new ProbeRecord(key, pv.name(), parsed.module(), pr.function(), pr.name(), pv.attributes(),
                        pr.nativeTypes(), pr.translatedTypes(), pr.argmap(), pr.sites()));
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

    private static void longs(RecordOutput out, List<Long> v, String what) throws StashException {
        out.count(v.size(), what);
        for (long x : v) {
            out.u64(x);
        }
    }

    private static List<Long> longs(RecordInput in) throws StashException {
        int n = in.count(8);
        List<Long> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(in.u64());
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
