package dev.gateway.server;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.library.dependencies.SliceRule;
import org.junit.jupiter.api.Test;

/**
 * The main code of all three modules (core, filters, server) has no package cycles, and the configuration package is
 * a leaf: it knows no filter, route, terminal or metadata type.
 */
class PackageCyclesTest {
    /** Main classes only: no test classes, no test jars. */
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(PackageCyclesTest::isMain)
            .importPackages("dev.gateway");

    private static boolean isMain(Location location) {
        return !location.contains("/test-classes/") && !location.contains("-tests.jar");
    }

    @Test
    void importsTheMainClassesOfEveryModule() {
        assertThat(MAIN.contain("dev.gateway.core.config.Binder")).isTrue();
        assertThat(MAIN.contain("dev.gateway.filters.cors.CorsFilterFactory")).isTrue();
        assertThat(MAIN.contain("dev.gateway.server.GatewayMain")).isTrue();
        assertThat(MAIN.contain("dev.gateway.server.PackageCyclesTest")).isFalse();
    }

    @Test
    void hasNoPackageCycles() {
        // No known exceptions: every package cycle of the main code has been broken.
        SliceRule rule = slices().matching("dev.gateway.(**)").should().beFreeOfCycles();
        rule.check(MAIN);
    }

    @Test
    void theConfigurationPackageIsALeaf() {
        classes().that().resideInAPackage("dev.gateway.core.config").should().onlyDependOnClassesThat(
                resideOutsideOfPackage("dev.gateway..")
                        .or(resideInAnyPackage("dev.gateway.core.config", "dev.gateway.core.http")))
                .check(MAIN);
    }
}
