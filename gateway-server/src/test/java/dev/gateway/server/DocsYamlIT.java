package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.gateway.server.support.GatewayProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The documentation cannot rot: every {@code ```yaml} block of the project README and of {@code docs/**.md} is a whole
 * gateway.yml that the real jar's {@code --check} accepts, unless its fence says {@code ```yaml fragment}, in which
 * case it must still be valid YAML. Failures name the page and the block's first line. Tables are checked for
 * their header and separator rows, so prose cannot split one in two unnoticed; links between pages must lead to a
 * page and heading; a command's {@code -jar PATH} must be a jar the build makes. The rules are in docs/README.md.
 */
class DocsYamlIT {
    private static final Pattern OPEN = Pattern.compile("^(\\s*)```yaml(?:[ \\t]+(\\S+))?[ \\t]*$");
    private static final Pattern CLOSE = Pattern.compile("^\\s*```\\s*$");
    private static final Pattern ANY_FENCE = Pattern.compile("^\\s*```.*$");
    private static final Pattern TABLE_SEPARATOR = Pattern.compile("^\\|(\\s*:?-{3,}:?\\s*\\|)+\\s*$");
    private static final String FRAGMENT = "fragment";
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6} (.+)$");
    /** {@code -jar PATH} in a command line; a PATH starting with / or $ is inside an image or a variable. */
    private static final Pattern JAR = Pattern.compile("-jar\\s+([^\\s/$`'\"][^\\s`'\"]*\\.jar)");
    private static final Pattern MODULE_JAR = Pattern.compile("([\\w-]+)/target/([\\w.-]+)\\.jar");

    /** One fenced YAML block: where it is, whether it is a fragment, its text without the fence's indentation. */
    record Block(String where, boolean fragment, String yaml) {}

    @TestFactory
    Stream<DynamicTest> everyWholeYamlBlockPassesCheck() {
        return blocks().stream().filter(b -> !b.fragment())
                .map(b -> DynamicTest.dynamicTest(b.where(), () -> passesCheck(b)));
    }

    @TestFactory
    Stream<DynamicTest> everyYamlFragmentParses() {
        return blocks().stream().filter(Block::fragment)
                .map(b -> DynamicTest.dynamicTest(b.where(), () -> parses(b)));
    }

    @Test
    void docsHoldWholeConfigurationsAndFragments() {
        // Guards the extraction itself: a broken pattern must not make the two factories above pass on nothing.
        List<Block> all = blocks();
        assertThat(all.stream().filter(b -> !b.fragment()).count()).as("whole configurations").isGreaterThanOrEqualTo(8);
        assertThat(all.stream().filter(Block::fragment).count()).as("fragments").isGreaterThanOrEqualTo(1);
        assertThat(all).anyMatch(b -> b.where().startsWith("docs/getting-started.md:"));
    }

    @Test
    void everyTableStartsWithHeaderAndSeparatorRows() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path page : pages()) {
            List<String> lines = Files.readAllLines(page);
            boolean inFence = false;
            boolean inTable = false;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (ANY_FENCE.matcher(line).matches()) {
                    inFence = !inFence;
                }
                boolean row = !inFence && line.stripLeading().startsWith("|");
                if (row && !inTable) {
                    String next = i + 1 < lines.size() ? lines.get(i + 1).strip() : "";
                    if (!TABLE_SEPARATOR.matcher(next).matches()) {
                        broken.add(relative(page) + ":" + (i + 1) + ": a table row without a header and a | --- | row: "
                                + line);
                    }
                }
                inTable = row;
            }
        }
        assertThat(broken).as("table rows that start a table without its header").isEmpty();
    }

    @Test
    void everyJarACommandNamesIsOneTheBuildMakes() throws IOException {
        // Commands are run from the repository root, where the build leaves MODULE/target/NAME.jar.
        List<String> wrong = new ArrayList<>();
        int seen = 0;
        for (Path page : pages()) {
            List<String> lines = Files.readAllLines(page);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = JAR.matcher(lines.get(i));
                while (m.find()) {
                    seen++;
                    if (!isBuilt(m.group(1))) {
                        wrong.add(relative(page) + ":" + (i + 1) + ": -jar " + m.group(1));
                    }
                }
            }
        }
        assertThat(seen).as("-jar commands found").isGreaterThanOrEqualTo(5);
        assertThat(wrong).as("jars that no module builds at that path, from the repository root").isEmpty();
    }

    /** The jar exists already, or it is MODULE/target/NAME.jar of a module whose pom names it (built after this one). */
    private static boolean isBuilt(String jar) throws IOException {
        if (Files.isRegularFile(GatewayProcess.REPO_ROOT.resolve(jar))) {
            return true;
        }
        Matcher m = MODULE_JAR.matcher(jar);
        if (!m.matches()) {
            return false;
        }
        Path pom = GatewayProcess.REPO_ROOT.resolve(m.group(1)).resolve("pom.xml");
        return Files.isRegularFile(pom) && Files.readString(pom).contains("<finalName>" + m.group(2) + "</finalName>");
    }

    @Test
    void everyRelativeLinkLeadsToAPageAndItsHeading() throws IOException {
        List<String> broken = new ArrayList<>();
        int seen = 0;
        for (Path page : pages()) {
            List<String> lines = Files.readAllLines(page);
            boolean inFence = false;
            for (int i = 0; i < lines.size(); i++) {
                if (ANY_FENCE.matcher(lines.get(i)).matches()) {
                    inFence = !inFence;
                    continue;
                }
                Matcher m = LINK.matcher(lines.get(i));
                while (!inFence && m.find()) {
                    String link = m.group(1);
                    if (link.startsWith("http://") || link.startsWith("https://")) {
                        continue;
                    }
                    seen++;
                    int hash = link.indexOf('#');
                    String file = hash < 0 ? link : link.substring(0, hash);
                    Path target = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                    if (!Files.exists(target)) {
                        broken.add(relative(page) + ":" + (i + 1) + ": " + link + ": no such file");
                    } else if (hash >= 0 && !headingSlugs(target).contains(link.substring(hash + 1))) {
                        broken.add(relative(page) + ":" + (i + 1) + ": " + link + ": no such heading");
                    }
                }
            }
        }
        assertThat(seen).as("relative links found").isGreaterThanOrEqualTo(50);
        assertThat(broken).as("links to missing pages or headings").isEmpty();
    }

    /** GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces as hyphens. */
    private static Set<String> headingSlugs(Path page) throws IOException {
        Set<String> slugs = new HashSet<>();
        boolean inFence = false;
        for (String line : Files.readAllLines(page)) {
            if (ANY_FENCE.matcher(line).matches()) {
                inFence = !inFence;
            }
            Matcher h = HEADING.matcher(line);
            if (!inFence && h.matches()) {
                slugs.add(h.group(1).strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}_\\- ]", "")
                        .replace(' ', '-'));
            }
        }
        return slugs;
    }

    private static void passesCheck(Block b) throws Exception {
        Path dir = Files.createTempDirectory("docs-yaml-");
        try {
            Files.writeString(dir.resolve("gateway.yml"), b.yaml());
            GatewayProcess.Result r = GatewayProcess.run(dir, "--config", "gateway.yml", "--check");
            assertThat(r.exitCode())
                    .as("%s: --check of this block (mark a partial example ```yaml fragment); stderr:%n%s%nblock:%n%s",
                            b.where(), r.stderr(), b.yaml())
                    .isZero();
            assertThat(r.stdout()).as("%s: --check output", b.where()).contains("configuration OK");
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted((x, y) -> y.getNameCount() - x.getNameCount()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void parses(Block b) {
        try {
            new YAMLMapper().readTree(b.yaml());
        } catch (JsonProcessingException e) {
            throw new AssertionError(b.where() + ": a ```yaml fragment block is not valid YAML: "
                    + e.getOriginalMessage() + "\n" + b.yaml(), e);
        }
    }

    /** The project README and the load tests' two READMEs first, then every page under docs/, in path order. */
    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(GatewayProcess.REPO_ROOT.resolve("README.md"));
        pages.add(GatewayProcess.REPO_ROOT.resolve("loadtest/README.md"));
        pages.add(GatewayProcess.REPO_ROOT.resolve("loadtest/results/README.md"));
        try (Stream<Path> docs = Files.walk(GatewayProcess.REPO_ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    private static List<Block> blocks() {
        try {
            List<Block> blocks = new ArrayList<>();
            for (Path page : pages()) {
                blocks.addAll(blocks(page));
            }
            return blocks;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Block> blocks(Path page) throws IOException {
        List<String> lines = Files.readAllLines(page);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = OPEN.matcher(lines.get(i));
            if (!open.matches()) {
                continue;
            }
            String marker = open.group(2);
            String where = relative(page) + ":" + (i + 1);
            assertThat(marker == null || marker.equals(FRAGMENT))
                    .as("%s: unknown marker '%s' on a yaml fence (only '%s')", where, marker, FRAGMENT).isTrue();
            int indent = open.group(1).length();
            StringBuilder yaml = new StringBuilder();
            int j = i + 1;
            for (; j < lines.size() && !CLOSE.matcher(lines.get(j)).matches(); j++) {
                String line = lines.get(j);
                int cut = Math.min(indent, line.length() - line.stripLeading().length());
                yaml.append(line.substring(cut)).append('\n');
            }
            assertThat(j).as("%s: the yaml block is never closed", where).isLessThan(lines.size());
            blocks.add(new Block(where, marker != null, yaml.toString()));
            i = j;
        }
        return blocks;
    }

    private static String relative(Path page) {
        return GatewayProcess.REPO_ROOT.relativize(page).toString();
    }
}
