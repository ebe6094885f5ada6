package org.dtprobed.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
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
        if (e.adopted()) {
            g.writeBooleanField("adopted", true); // absent: the process registered it itself
        }
        g.writeStringField("provider", e.providerWithPid());
        g.writeStringField("provider_name", e.provider());
        g.writeStringField("module", e.module());
        g.writeStringField("function", e.function());
        g.writeStringField("name", e.name());
        g.writeArrayFieldStart("sites");
        for (ProbeEntry.Site s : e.sites()) {
            g.writeStartObject();
            g.writeFieldName("address");
            Numbers.writeUnsigned(g, s.address());
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
        Numbers.writeUnsigned(g, m.dev());
        g.writeFieldName("ino");
        Numbers.writeUnsigned(g, m.inode());
        g.writeStringField("path", m.path());
        g.writeFieldName("base");
        Numbers.writeUnsigned(g, m.base());
        g.writeFieldName("offset");
        Numbers.writeUnsigned(g, m.offset());
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

    /**
     * Reads what {@link #write} wrote, from a tree (a {@code watch} event's probes); the same
     * reader as the streaming one, so both accept and refuse the same objects.
     *
     * @throws IllegalArgumentException naming the first missing or mistyped field
     */
    public static ProbeEntry read(JsonNode n) {
        try (JsonParser p = n.traverse()) {
            p.nextToken();
            return read(p);
        } catch (IOException e) {
            throw new IllegalArgumentException("probe object unreadable: " + e.getMessage(), e);
        }
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
        boolean adopted = false;
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
                case "mapping" -> mapping = mapping(p, t);
                case "adopted" -> adopted = t == JsonToken.VALUE_TRUE;
                default -> p.skipChildren();
            }
        }
        if (pid < 0 || uid < 0 || gen < 0 || provider == null || module == null || function == null || name == null
                || sites == null || nativeTypes == null || translatedTypes == null || argmap == null
                || mapping == null) {
            throw new IllegalArgumentException("probe object lacks a required field");
        }
        return new ProbeEntry((int) pid, (int) uid, gen, provider, module, function, name, sites, nativeTypes,
                translatedTypes, argmap, mapping, adopted);
    }

    private static ProbeEntry.Mapping mapping(JsonParser p, JsonToken t) throws IOException {
        expect(p, t, JsonToken.START_OBJECT, "field 'mapping'");
        long dev = -1;
        long ino = -1;
        long base = -1;
        long offset = -1;
        boolean haveDev = false;
        boolean haveIno = false;
        boolean haveBase = false;
        boolean haveOffset = false;
        String path = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            switch (f) {
                case "dev" -> { dev = number(p, v, f); haveDev = true; }
                case "ino" -> { ino = number(p, v, f); haveIno = true; }
                case "base" -> { base = number(p, v, f); haveBase = true; }
                case "offset" -> { offset = number(p, v, f); haveOffset = true; }
                case "path" -> path = string(p, v, f);
                default -> p.skipChildren();
            }
        }
        if (!haveDev || !haveIno || !haveBase || !haveOffset || path == null) {
            throw new IllegalArgumentException("field 'mapping' lacks one of dev, ino, path, base, offset");
        }
        return new ProbeEntry.Mapping(dev, ino, path, base, offset);
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
}
