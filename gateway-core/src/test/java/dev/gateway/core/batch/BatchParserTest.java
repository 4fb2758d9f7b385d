package dev.gateway.core.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gateway.core.config.BatchConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BatchParserTest {
    static final BatchConfig CONFIG = new BatchConfig(5, 4096, 64, 1024, 2, Duration.ofSeconds(5),
            Duration.ofSeconds(10));

    static BatchParser.Result parse(String json) {
        return BatchParser.parse(json.getBytes(StandardCharsets.UTF_8), CONFIG);
    }

    static String refusal(String json) {
        BatchParser.Result r = parse(json);
        return r.refusal() == null ? null : r.refusal().code();
    }

    @Test
    void referencesBecomeDependenciesAndItemTimeoutsAreCapped() {
        BatchParser.Result r = parse("""
                {"fail-fast": true, "requests": [
                  {"id": "a", "path": "/a"},
                  {"id": "b", "path": "/b/{result=a:$.id}", "timeout": "200ms"},
                  {"path": "/c", "timeout": "9s", "depends-on": ["b"]}]}""");
        assertThat(r.refusal()).isNull();
        assertThat(r.failFast()).isTrue();
        assertThat(r.items().get(1).dependsOn()).containsExactly(0);
        assertThat(r.items().get(1).timeoutNanos()).isEqualTo(200_000_000L);
        assertThat(r.items().get(2).id()).isEqualTo("3");
        assertThat(r.items().get(2).timeoutNanos()).isEqualTo(5_000_000_000L);
    }

    @Test
    void refusesCyclesUnknownAndDuplicateIdsAndLimits() {
        assertThat(refusal("{\"requests\": [{\"id\": \"a\", \"path\": \"/a\", \"depends-on\": [\"a\"]}]}"))
                .isEqualTo("dependency_cycle");
        assertThat(refusal("{\"requests\": [{\"id\": \"a\", \"path\": \"/a/{result=x:$.id}\"}]}"))
                .isEqualTo("unknown_dependency");
        assertThat(refusal("{\"requests\": [{\"id\": \"a\", \"path\": \"/a\"}, {\"id\": \"a\", \"path\": \"/b\"}]}"))
                .isEqualTo("duplicate_id");
        assertThat(refusal("{\"requests\": [" + "{\"path\": \"/a\"},".repeat(5) + "{\"path\": \"/a\"}]}"))
                .isEqualTo("too_many_items");
        assertThat(refusal("{\"requests\": [{\"path\": \"/a\", \"body\": \"" + "x".repeat(65) + "\"}]}"))
                .isEqualTo("item_too_large");
        assertThat(refusal("{\"requests\": [{\"path\": \"/a\", \"verb\": \"GET\"}]}")).isEqualTo("invalid_batch");
        assertThat(refusal("not json")).isEqualTo("invalid_batch");
    }

    @Test
    void identityAndFramingHeadersOfItemsAreDropped() {
        BatchParser.Result r = parse("""
                {"requests": [{"path": "/a", "headers": {"X-Forwarded-For": "6.6.6.6", "x-real-ip": "1.2.3.4",
                  "X-App-Key": "evil", "X-Consumer-Group": "g", "Host": "admin", "X-Note": "kept"}}]}""");
        assertThat(r.items().get(0).headers()).extracting(java.util.Map.Entry::getKey).containsExactly("X-Note");
    }

    @Test
    void templatesSubstitutePathTextAndTypedJsonValues() throws Exception {
        JsonNode user = BatchParser.JSON.readTree("{\"id\": 7, \"name\": \"A b\", \"tags\": [\"x\", {\"k\": 1}]}");
        Template path = Template.parse("/o?u={result=u:$.name}", Template.Mode.PATH, id -> 0);
        assertThat(path.render(i -> user)).isEqualTo("/o?u=A%20b");
        Template body = Template.parse("{\"u\":\"{result=u:$.id}\",\"t\":\"{result=u:$.tags[1]}\","
                + "\"s\":\"n={result=u:$.name}\"}", Template.Mode.JSON, id -> 0);
        assertThat(body.render(i -> user)).isEqualTo("{\"u\":7,\"t\":{\"k\":1},\"s\":\"n=A b\"}");
        assertThat(Template.parse("/{result=u:$.missing}", Template.Mode.PATH, id -> 0).render(i -> user)).isNull();
    }

    @Test
    void jsonPathSubsetRejectsWhatItDoesNotSupport() {
        assertThat(JsonPath.parse("$.a.b[0].c").toString()).isEqualTo("$.a.b[0].c");
        assertThatThrownBy(() -> JsonPath.parse("$..a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonPath.parse("$.a[*]")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonPath.parse("a.b")).isInstanceOf(IllegalArgumentException.class);
    }
}
