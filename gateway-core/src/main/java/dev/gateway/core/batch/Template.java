package dev.gateway.core.batch;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An item's path or body with references {@code {result=ID:$.json.path}} to earlier items' JSON answers, parsed once
 * when the batch is read. Rendering substitutes each value: in a path, its text percent-encoded; in a JSON body, a
 * reference that is a whole JSON string ({@code "{result=a:$.id}"}) becomes the value itself, with its type (number,
 * object...), one inside a longer string becomes its text, escaped; in a text body, its text as it is.
 */
final class Template {
    static final Pattern REFERENCE = Pattern.compile("\\{result=([A-Za-z0-9_.\\-]{1,64}):(\\$[^}\\s\"]*)\\}");

    enum Mode { PATH, JSON, TEXT }

    /** A reference: the item (by index) and where in its answer. */
    record Ref(int item, JsonPath path, boolean wholeJsonString) {}

    private final String constant;
    private final String[] literals;
    private final Ref[] refs;
    private final Mode mode;

    private Template(String constant, String[] literals, Ref[] refs, Mode mode) {
        this.constant = constant;
        this.literals = literals;
        this.refs = refs;
        this.mode = mode;
    }

    /** Resolves an item id to its index, or throws naming it. */
    interface Ids {
        int index(String id);
    }

    /** @throws IllegalArgumentException for a malformed JSON path (unknown ids are the resolver's to report) */
    static Template parse(String text, Mode mode, Ids ids) {
        Matcher m = REFERENCE.matcher(text);
        List<String> lits = null;
        List<Ref> refs = null;
        int from = 0;
        while (m.find()) {
            if (lits == null) {
                lits = new ArrayList<>();
                refs = new ArrayList<>();
            }
            int start = m.start();
            int end = m.end();
            boolean whole = mode == Mode.JSON && start > from && text.charAt(start - 1) == '"'
                    && end < text.length() && text.charAt(end) == '"';
            if (whole) {
                start--;
                end++;
            }
            lits.add(text.substring(from, start));
            refs.add(new Ref(ids.index(m.group(1)), JsonPath.parse(m.group(2)), whole));
            from = end;
        }
        if (lits == null) {
            return new Template(text, null, null, mode);
        }
        lits.add(text.substring(from));
        return new Template(null, lits.toArray(new String[0]), refs.toArray(new Ref[0]), mode);
    }

    /** The references, in order (empty when none). */
    List<Ref> refs() {
        return refs == null ? List.of() : List.of(refs);
    }

    /** The length before substitution. */
    int rawLength() {
        if (constant != null) {
            return constant.length();
        }
        int n = 0;
        for (String l : literals) {
            n += l.length();
        }
        return n;
    }

    /**
     * The text with each reference replaced by its value in {@code answers} (each item's parsed JSON answer), or null
     * when a value is not there.
     */
    String render(IntFunction<JsonNode> answers) {
        if (constant != null) {
            return constant;
        }
        StringBuilder sb = new StringBuilder(rawLength() + 16 * refs.length);
        for (int i = 0; i < refs.length; i++) {
            sb.append(literals[i]);
            JsonNode answer = answers.apply(refs[i].item());
            JsonNode v = answer == null ? null : refs[i].path().find(answer);
            if (v == null) {
                return null;
            }
            String text = v.isValueNode() ? v.asText() : v.toString();
            switch (mode) {
                case PATH -> sb.append(URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20"));
                case JSON -> {
                    if (refs[i].wholeJsonString()) {
                        sb.append(v.toString());
                    } else {
                        sb.append(JsonStringEncoder.getInstance().quoteAsString(text));
                    }
                }
                default -> sb.append(text);
            }
        }
        return sb.append(literals[refs.length]).toString();
    }
}
