package org.dtprobed.dof.dump;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.dtprobed.dof.ParsedDof;
import org.dtprobed.protocol.Numbers;
import org.dtprobed.dof.ParsedProbe;
import org.dtprobed.dof.ParsedProvider;
import org.dtprobed.dof.ParsedRelocation;
import org.dtprobed.dof.PolicyViolation;
import org.dtprobed.dof.ProbeSite;
import org.dtprobed.dof.ProviderAttributes;

/**
 * The JSON form of a {@link ParsedDof} that {@code dof-dump --json} prints: the keys of the
 * corpus' {@code *.expected.json}, plus {@code module}, relocated {@code address}, {@code sites}
 * and {@code warnings}. 64-bit values are unsigned numbers.
 */
public final class DofJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private DofJson() {
    }

    /** @param loadBase the load base the addresses are given for ({@code dofhp_addr}) */
    public static ObjectNode of(ParsedDof dof, long loadBase) {
        ObjectNode root = F.objectNode();
        root.put("version", dof.version());
        root.put("model", dof.model());
        root.set("loadsz", unsigned(dof.loadSize()));
        root.put("module", dof.module());
        ArrayNode providers = root.putArray("providers");
        for (ParsedProvider p : dof.providers()) {
            providers.add(provider(p, loadBase));
        }
        ArrayNode relocations = root.putArray("relocations");
        for (ParsedRelocation r : dof.relocations()) {
            ObjectNode o = relocations.addObject();
            o.put("symbol", r.symbol());
            o.put("type", r.type());
            o.set("offset", unsigned(r.offset()));
            o.put("target_section", r.targetSection());
        }
        ArrayNode warnings = root.putArray("warnings");
        for (PolicyViolation v : dof.violations()) {
            warnings.add(v.message());
        }
        return root;
    }

    private static ObjectNode provider(ParsedProvider p, long loadBase) {
        ObjectNode o = F.objectNode();
        o.put("name", p.name());
        o.put("section", p.section());
        o.set("attrs", attributes(p.attributes()));
        ArrayNode probes = o.putArray("probes");
        for (ParsedProbe pr : p.probes()) {
            probes.add(probe(pr, loadBase));
        }
        return o;
    }

    private static ObjectNode attributes(ProviderAttributes a) {
        ObjectNode o = F.objectNode();
        o.put("provider", hex(a.provider()));
        o.put("module", hex(a.module()));
        o.put("function", hex(a.function()));
        o.put("name", hex(a.name()));
        o.put("args", hex(a.args()));
        return o;
    }

    private static ObjectNode probe(ParsedProbe pr, long loadBase) {
        ObjectNode o = F.objectNode();
        o.put("function", pr.function());
        o.put("name", pr.name());
        o.put("nargc", pr.nargc());
        o.put("xargc", pr.xargc());
        strings(o.putArray("native_types"), pr.nativeTypes());
        strings(o.putArray("translated_types"), pr.translatedTypes());
        ArrayNode argmap = o.putArray("argmap");
        pr.argmap().forEach(argmap::add);
        ArrayNode offsets = o.putArray("offsets");
        pr.offsets().forEach(offsets::add);
        ArrayNode enabled = o.putArray("enabled_offsets");
        pr.enabledOffsets().forEach(enabled::add);
        o.set("addr", unsigned(pr.storedAddress()));
        o.set("address", unsigned(pr.addressAt(loadBase)));
        ArrayNode sites = o.putArray("sites");
        for (ProbeSite s : pr.sitesAt(loadBase)) {
            ObjectNode site = sites.addObject();
            site.set("address", unsigned(s.address()));
            site.put("is_enabled", s.isEnabled());
        }
        return o;
    }

    private static void strings(ArrayNode into, List<String> values) {
        values.forEach(into::add);
    }

    private static String hex(int value) {
        return String.format("0x%08x", value);
    }

    /** A u64 as a JSON number, never negative. */
    public static JsonNode unsigned(long value) {
        return Numbers.unsignedNode(value);
    }
}
