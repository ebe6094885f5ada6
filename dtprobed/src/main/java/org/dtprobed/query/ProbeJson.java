package org.dtprobed.query;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON form of a {@link ProbeEntry}, as {@code list} and {@code watch} send it and {@code
 * dtprobe list --json} prints it (field names in docs/PROTOCOL.md). Addresses are unsigned 64-bit
 * numbers.
 */
public final class ProbeJson {
    private ProbeJson() {
    }

    public static void write(JsonGenerator g, ProbeEntry e) throws IOException {
        g.writeStartObject();
        g.writeNumberField("pid", e.pid());
        g.writeNumberField("uid", e.uid());
        g.writeNumberField("generation", e.generation());
        g.writeStringField("provider", e.providerWithPid());
        g.writeStringField("provider_name", e.provider());
        g.writeStringField("module", e.module());
        g.writeStringField("function", e.function());
        g.writeStringField("name", e.name());
        g.writeArrayFieldStart("sites");
        for (ProbeEntry.Site s : e.sites()) {
            g.writeStartObject();
            g.writeFieldName("address");
            unsigned(g, s.address());
            g.writeBooleanField("is_enabled", s.isEnabled());
            g.writeEndObject();
        }
        g.writeEndArray();
        strings(g, "native_types", e.nativeTypes());
        strings(g, "translated_types", e.translatedTypes());
        g.writeArrayFieldStart("argmap");
        for (int a : e.argmap()) {
            g.writeNumber(a);
        }
        g.writeEndArray();
        ProbeEntry.Mapping m = e.mapping();
        g.writeObjectFieldStart("mapping");
        g.writeFieldName("dev");
        unsigned(g, m.dev());
        g.writeFieldName("ino");
        unsigned(g, m.ino());
        g.writeStringField("path", m.path());
        g.writeFieldName("base");
        unsigned(g, m.base());
        g.writeFieldName("offset");
        unsigned(g, m.offset());
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void strings(JsonGenerator g, String field, List<String> values) throws IOException {
        g.writeArrayFieldStart(field);
        for (String v : values) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    private static void unsigned(JsonGenerator g, long v) throws IOException {
        if (v >= 0) {
            g.writeNumber(v);
        } else {
            g.writeNumber(new BigInteger(Long.toUnsignedString(v)));
        }
    }

    /**
     * Reads what {@link #write} wrote.
     *
     * @throws IllegalArgumentException naming the first missing or mistyped field
     */
    public static ProbeEntry read(JsonNode n) {
        JsonNode m = field(n, "mapping");
        List<ProbeEntry.Site> sites = new ArrayList<>();
        for (JsonNode s : array(n, "sites")) {
            sites.add(new ProbeEntry.Site(unsigned(s, "address"), bool(s, "is_enabled")));
        }
        List<Integer> argmap = new ArrayList<>();
        for (JsonNode a : array(n, "argmap")) {
            argmap.add(a.intValue());
        }
        return new ProbeEntry((int) unsigned(n, "pid"), (int) unsigned(n, "uid"), unsigned(n, "generation"),
                text(n, "provider_name"), text(n, "module"), text(n, "function"), text(n, "name"), sites,
                texts(n, "native_types"), texts(n, "translated_types"), argmap,
                new ProbeEntry.Mapping(unsigned(m, "dev"), unsigned(m, "ino"), text(m, "path"), unsigned(m, "base"),
                        unsigned(m, "offset")));
    }

    static JsonNode field(JsonNode n, String name) {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("missing field '" + name + "'");
        }
        return v;
    }

    private static JsonNode array(JsonNode n, String name) {
        JsonNode v = field(n, name);
        if (!v.isArray()) {
            throw new IllegalArgumentException("field '" + name + "' is not an array");
        }
        return v;
    }

    private static String text(JsonNode n, String name) {
        JsonNode v = field(n, name);
        if (!v.isTextual()) {
            throw new IllegalArgumentException("field '" + name + "' is not a string");
        }
        return v.textValue();
    }

    private static List<String> texts(JsonNode n, String name) {
        List<String> out = new ArrayList<>();
        for (JsonNode v : array(n, name)) {
            out.add(v.asText());
        }
        return out;
    }

    private static boolean bool(JsonNode n, String name) {
        JsonNode v = field(n, name);
        if (!v.isBoolean()) {
            throw new IllegalArgumentException("field '" + name + "' is not a boolean");
        }
        return v.booleanValue();
    }

    static long unsigned(JsonNode n, String name) {
        JsonNode v = field(n, name);
        if (!v.isIntegralNumber()) {
            throw new IllegalArgumentException("field '" + name + "' is not an integer");
        }
        return v.bigIntegerValue().longValue();
    }
}
