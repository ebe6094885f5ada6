package org.dtprobed.dof.wire;

import java.nio.ByteBuffer;
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
 * Body of {@link FrameType#PARSED}: a {@link ParsedDof}, field by field in record order, so that
 * decode(encode(x)).equals(x). Lists are an i32 count then the elements; strings as in
 * {@link WireWriter}; enums by name. The parent decodes what a possibly subverted child sent, so
 * every count is checked against the bytes left before a list is sized by it.
 *
 * <pre>
 * header    i32 model encoding version difVersion difIntRegs difTupleRegs,
 *           i64 flags headerSize sectionHeaderSize sectionCount sectionOffset loadSize fileSize
 * module    string
 * providers [i32 section, string name, i32 x5 attributes, probes[...]]
 * probe     string function name, [string] native, [string] translated, [i32] argmap,
 *           [i64] offsets, [i64] enabled offsets, i64 stored address, u8 relocated,
 *           [i64 stored address + offset, u8 is-enabled] stored sites
 * relocs    [string symbol, i32 type, i64 offset, i32 target section]
 * violations [string rule, string where, string detail]
 * </pre>
 */
public final class ParsedDofCodec {
    private static final int MIN_STRING = 4;
    private static final int MIN_PROVIDER = 4 + MIN_STRING + 5 * 4 + 4;
    private static final int MIN_PROBE = 2 * MIN_STRING + 5 * 4 + 8 + 1 + 4;
    private static final int MIN_SITE = 9;
    private static final int MIN_RELOCATION = MIN_STRING + 4 + 8 + 4;
    private static final int MIN_VIOLATION = 3 * MIN_STRING;

    private ParsedDofCodec() {
    }

    public static byte[] encode(ParsedDof d) {
        WireWriter w = new WireWriter(256 + 64 * d.probeCount());
        DofHeader h = d.header();
        w.i32(h.model()).i32(h.encoding()).i32(h.version()).i32(h.difVersion()).i32(h.difIntRegs())
                .i32(h.difTupleRegs()).i64(h.flags()).i64(h.headerSize()).i64(h.sectionHeaderSize())
                .i64(h.sectionCount()).i64(h.sectionOffset()).i64(h.loadSize()).i64(h.fileSize());
        w.string(d.module());
        w.i32(d.providers().size());
        for (ParsedProvider p : d.providers()) {
            ProviderAttributes a = p.attributes();
            w.i32(p.section()).string(p.name()).i32(a.provider()).i32(a.module()).i32(a.function())
                    .i32(a.name()).i32(a.args());
            w.i32(p.probes().size());
            for (ParsedProbe probe : p.probes()) {
                encodeProbe(w, probe);
            }
        }
        w.i32(d.relocations().size());
        for (ParsedRelocation r : d.relocations()) {
            w.string(r.symbol()).i32(r.type()).i64(r.offset()).i32(r.targetSection());
        }
        w.i32(d.violations().size());
        for (PolicyViolation v : d.violations()) {
            w.string(v.rule().name()).string(v.where()).string(v.detail());
        }
        return w.toByteArray();
    }

    private static void encodeProbe(WireWriter w, ParsedProbe p) {
        w.string(p.function()).string(p.name());
        strings(w, p.nativeTypes());
        strings(w, p.translatedTypes());
        w.i32(p.argmap().size());
        p.argmap().forEach(w::i32);
        w.i32(p.offsets().size());
        p.offsets().forEach(w::i64);
        w.i32(p.enabledOffsets().size());
        p.enabledOffsets().forEach(w::i64);
        w.i64(p.storedAddress()).bool(p.relocated());
        w.i32(p.storedSites().size());
        for (ProbeSite s : p.storedSites()) {
            w.i64(s.address()).bool(s.isEnabled());
        }
    }

    private static void strings(WireWriter w, List<String> list) {
        w.i32(list.size());
        list.forEach(w::string);
    }

    public static ParsedDof decode(ByteBuffer body) throws WireFormatException {
        WireReader r = new WireReader(body);
        DofHeader h = new DofHeader(r.i32("model"), r.i32("encoding"), r.i32("version"), r.i32("dif version"),
                r.i32("dif int regs"), r.i32("dif tuple regs"), r.i64("flags"), r.i64("header size"),
                r.i64("section header size"), r.i64("section count"), r.i64("section offset"),
                r.i64("load size"), r.i64("file size"));
        String module = r.string("module");
        int np = r.count("providers", MIN_PROVIDER);
        List<ParsedProvider> providers = new ArrayList<>(np);
        for (int i = 0; i < np; i++) {
            providers.add(decodeProvider(r));
        }
        int nr = r.count("relocations", MIN_RELOCATION);
        List<ParsedRelocation> relocations = new ArrayList<>(nr);
        for (int i = 0; i < nr; i++) {
            relocations.add(new ParsedRelocation(r.string("relocation symbol"), r.i32("relocation type"),
                    r.i64("relocation offset"), r.i32("relocation target section")));
        }
        int nv = r.count("violations", MIN_VIOLATION);
        List<PolicyViolation> violations = new ArrayList<>(nv);
        for (int i = 0; i < nv; i++) {
            violations.add(violation(r));
        }
        r.end("parsed DOF");
        return new ParsedDof(h, module, providers, relocations, violations);
    }

    private static ParsedProvider decodeProvider(WireReader r) throws WireFormatException {
        int section = r.i32("provider section");
        String name = r.string("provider name");
        ProviderAttributes a = new ProviderAttributes(r.i32("provider attr"), r.i32("module attr"),
                r.i32("function attr"), r.i32("name attr"), r.i32("args attr"));
        int n = r.count("probes", MIN_PROBE);
        List<ParsedProbe> probes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            probes.add(decodeProbe(r));
        }
        return new ParsedProvider(section, name, a, probes);
    }

    private static ParsedProbe decodeProbe(WireReader r) throws WireFormatException {
        String function = r.string("probe function");
        String name = r.string("probe name");
        List<String> nativeTypes = strings(r, "native types");
        List<String> translatedTypes = strings(r, "translated types");
        int na = r.count("argmap", 4);
        List<Integer> argmap = new ArrayList<>(na);
        for (int i = 0; i < na; i++) {
            argmap.add(r.i32("argmap entry"));
        }
        List<Long> offsets = longs(r, "offsets");
        List<Long> enabled = longs(r, "enabled offsets");
        long stored = r.i64("stored address");
        boolean relocated = r.bool("relocated");
        int ns = r.count("sites", MIN_SITE);
        List<ProbeSite> sites = new ArrayList<>(ns);
        for (int i = 0; i < ns; i++) {
            sites.add(new ProbeSite(r.i64("site address"), r.bool("site is-enabled")));
        }
        return new ParsedProbe(function, name, nativeTypes, translatedTypes, argmap, offsets, enabled,
                stored, relocated, sites);
    }

    private static List<String> strings(WireReader r, String field) throws WireFormatException {
        int n = r.count(field, MIN_STRING);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            // List.copyOf in the records refuses null elements
            out.add(nonNull(r.string(field), field));
        }
        return out;
    }

    private static List<Long> longs(WireReader r, String field) throws WireFormatException {
        int n = r.count(field, 8);
        List<Long> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(r.i64(field));
        }
        return out;
    }

    private static PolicyViolation violation(WireReader r) throws WireFormatException {
        DofRule rule = rule(r, "violation rule");
        if (rule.kind() != DofRule.Kind.POLICY) {
            throw new WireFormatException("violation rule " + rule + " is not a policy rule");
        }
        return new PolicyViolation(rule, r.string("violation where"), r.string("violation detail"));
    }

    public static DofRule rule(WireReader r, String field) throws WireFormatException {
        String name = nonNull(r.string(field), field);
        try {
            return DofRule.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new WireFormatException(field + " '" + name + "' is unknown");
        }
    }

    public static String nonNull(String s, String field) throws WireFormatException {
        if (s == null) {
            throw new WireFormatException(field + " is null");
        }
        return s;
    }
}
