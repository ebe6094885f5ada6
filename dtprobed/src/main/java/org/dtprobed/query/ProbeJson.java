package org.dtprobed.query;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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

    /**
     * Reads one probe object from a parser positioned on its START_OBJECT, without building a
     * tree (a listing of every probe is tens of megabytes). Unknown fields are skipped.
     *
     * @throws IllegalArgumentException naming a missing or mistyped field
     */
    public static ProbeEntry read(JsonParser p) throws IOException {
        expect(p, p.currentToken(), JsonToken.START_OBJECT, "probe");
        long pid = -1;
        long uid = -1;
        long gen = -1;
        String provider = null;
        String module = null;
        String function = null;
        String name = null;
        List<ProbeEntry.Site> sites = null;
        List<String> nativeTypes = null;
        List<String> translatedTypes = null;
        List<Integer> argmap = null;
        ProbeEntry.Mapping mapping = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            switch (f) {
                case "pid" -> pid = number(p, t, f);
                case "uid" -> uid = number(p, t, f);
                case "generation" -> gen = number(p, t, f);
                case "provider_name" -> provider = string(p, t, f);
                case "module" -> module = string(p, t, f);
                case "function" -> function = string(p, t, f);
                case "name" -> name = string(p, t, f);
                case "sites" -> sites = sites(p, t);
                case "native_types" -> nativeTypes = strings(p, t, f);
                case "translated_types" -> translatedTypes = strings(p, t, f);
                case "argmap" -> argmap = ints(p, t);
                case "mapping" -> mapping = mapping(p.readValueAsTree());
                default -> p.skipChildren();
            }
        }
        if (pid < 0 || uid < 0 || gen < 0 || provider == null || module == null || function == null || name == null
                || sites == null || nativeTypes == null || translatedTypes == null || argmap == null
                || mapping == null) {
            throw new IllegalArgumentException("probe object lacks a required field");
        }
        return new ProbeEntry((int) pid, (int) uid, gen, provider, module, function, name, sites, nativeTypes,
                translatedTypes, argmap, mapping);
    }

    /** The small mapping object, read as a tree. */
    private static ProbeEntry.Mapping mapping(JsonNode m) {
        if (m == null || !m.isObject()) {
            throw new IllegalArgumentException("field 'mapping' is not an object");
        }
        return new ProbeEntry.Mapping(unsigned(m, "dev"), unsigned(m, "ino"), text(m, "path"), unsigned(m, "base"),
                unsigned(m, "offset"));
    }

    private static void expect(JsonParser p, JsonToken got, JsonToken want, String what) {
        if (got != want) {
            throw new IllegalArgumentException(what + " is " + got + ", not " + want + " at "
                    + p.currentLocation().getCharOffset());
        }
    }

    private static long number(JsonParser p, JsonToken t, String f) throws IOException {
        expect(p, t, JsonToken.VALUE_NUMBER_INT, "field '" + f + "'");
        return p.getBigIntegerValue().longValue();
    }

    private static String string(JsonParser p, JsonToken t, String f) throws IOException {
        expect(p, t, JsonToken.VALUE_STRING, "field '" + f + "'");
        return p.getText();
    }

    private static List<String> strings(JsonParser p, JsonToken t, String f) throws IOException {
        expect(p, t, JsonToken.START_ARRAY, "field '" + f + "'");
        List<String> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            out.add(string(p, p.currentToken(), f));
        }
        return out;
    }

    private static List<Integer> ints(JsonParser p, JsonToken t) throws IOException {
        expect(p, t, JsonToken.START_ARRAY, "field 'argmap'");
        List<Integer> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            out.add((int) number(p, p.currentToken(), "argmap"));
        }
        return out;
    }

    private static List<ProbeEntry.Site> sites(JsonParser p, JsonToken t) throws IOException {
        expect(p, t, JsonToken.START_ARRAY, "field 'sites'");
        List<ProbeEntry.Site> out = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            long address = -1;
            Boolean enabled = null;
            boolean haveAddress = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken v = p.nextToken();
                if (f.equals("address")) {
                    address = number(p, v, "address");
                    haveAddress = true;
                } else if (f.equals("is_enabled")) {
                    if (!v.isBoolean()) {
                        throw new IllegalArgumentException("field 'is_enabled' is not a boolean");
                    }
                    enabled = v == JsonToken.VALUE_TRUE;
                } else {
                    p.skipChildren();
                }
            }
            if (!haveAddress || enabled == null) {
                throw new IllegalArgumentException("site lacks 'address' or 'is_enabled'");
            }
            out.add(new ProbeEntry.Site(address, enabled));
        }
        expect(p, p.currentToken(), JsonToken.END_ARRAY, "field 'sites'");
        return out;
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
