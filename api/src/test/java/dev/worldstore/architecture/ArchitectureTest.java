package dev.worldstore.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries, held by the build. Each module exposes a small public API; everything else
 * is package-private in the module that uses it. These rules fail when a class reaches into another
 * module's implementation, when a module depends on one above it, or when a class becomes public
 * without being added to a module's API here on purpose.
 *
 * <pre>
 * core (dev.worldstore)                 the API: every public type is API; depends on Jackson only
 * embedded-kafka (dev.worldstore.kafka) EmbeddedKafka
 * projector (dev.worldstore.projector)  WorldStores, ProjectionTools
 * loadgen (dev.worldstore.loadgen)      the benchmarks, the HTTP load generator and the demo
 * api (dev.worldstore.http, .cli)       HttpServer, HttpConfig; Main
 * </pre>
 *
 * Runs in the api module, whose class path holds every shipped module (main classes only).
 */
class ArchitectureTest {

    /** Module of each package, lowest layer first. */
    private static final Map<String, String> MODULES = Map.of(
            "dev.worldstore", "core",
            "dev.worldstore.kafka", "embedded-kafka",
            "dev.worldstore.projector", "projector",
            "dev.worldstore.loadgen", "loadgen",
            "dev.worldstore.http", "api",
            "dev.worldstore.cli", "api");

    /** The public API of every module but core (whose public types are all API), by class name. */
    private static final Set<String> API = Set.of(
            "dev.worldstore.kafka.EmbeddedKafka",
            "dev.worldstore.projector.WorldStores",
            "dev.worldstore.projector.ProjectionTools",
            "dev.worldstore.projector.ProjectionTools$Run",
            "dev.worldstore.projector.ProjectionTools$LogInfo",
            "dev.worldstore.http.HttpServer",
            "dev.worldstore.http.HttpConfig",
            "dev.worldstore.cli.Main",
            "dev.worldstore.loadgen.InProcessBench", "dev.worldstore.loadgen.InProcessBench$Options",
            "dev.worldstore.loadgen.HttpApiBench", "dev.worldstore.loadgen.HttpApiBench$Options",
            "dev.worldstore.loadgen.HttpApiBench$RunFailedException",
            "dev.worldstore.loadgen.HttpBench", "dev.worldstore.loadgen.HttpBench$Mode", "dev.worldstore.loadgen.HttpBench$Options",
            "dev.worldstore.loadgen.HttpBench$Result",
            "dev.worldstore.loadgen.HttpServerStarter", "dev.worldstore.loadgen.HttpServerStarter$Running",
            "dev.worldstore.loadgen.Demo", "dev.worldstore.loadgen.Latency", "dev.worldstore.loadgen.Dirs",
            // bench --feed (issue 16)
            "dev.worldstore.loadgen.FeedBench", "dev.worldstore.loadgen.FeedBench$Options");

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ArchitectureTest::notATestJar)
                .importPackages("dev.worldstore");
    }

    /** Test-jars of the reactor (fixtures such as TestKafka) are not part of any module's main code. */
    private static boolean notATestJar(Location location) {
        return !location.contains("-tests.jar") && !location.contains("/test-classes/");
    }

    private static String moduleOf(JavaClass c) {
        return MODULES.get(c.getPackageName());
    }

    private static boolean isApi(JavaClass c) {
        return "core".equals(moduleOf(c)) || API.contains(c.getName());
    }

    @Test
    void everyClassBelongsToAKnownModule() {
        Set<String> unknown = classes.stream().filter(c -> moduleOf(c) == null).map(JavaClass::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(unknown.isEmpty(), "packages with no module in this test: " + unknown);
        assertTrue(classes.size() > 100, "imported " + classes.size() + " classes; the class path is not what this test expects");
    }

    @Test
    void noClassUsesAnotherModulesImplementation() {
        classes().should(new ArchCondition<JavaClass>("use of other modules only through their public API") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                String module = moduleOf(c);
                c.getDirectDependenciesFromSelf().forEach(d -> {
                    JavaClass target = d.getTargetClass().getBaseComponentType();
                    String targetModule = moduleOf(target);
                    if (targetModule != null && !targetModule.equals(module) && !isApi(target)) {
                        events.add(SimpleConditionEvent.violated(d, d.getDescription() + ": " + target.getName()
                                + " is an implementation class of module " + targetModule));
                    }
                });
            }
        }).check(classes);
    }

    @Test
    void thePublicSurfaceOfEveryModuleButCoreIsItsDeclaredApi() {
        Set<String> publicTypes = classes.stream()
                .filter(c -> !"core".equals(moduleOf(c)) && c.getModifiers().contains(JavaModifier.PUBLIC))
                .filter(c -> c.getEnclosingClass().map(e -> e.getModifiers().contains(JavaModifier.PUBLIC)).orElse(true))
                .map(JavaClass::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(API), publicTypes, "a class outside core became public (or an API class stopped being): "
                + "make it package-private, or add it to the module's API on purpose");
    }

    @Test
    void modulesDependOnlyOnLowerLayers() {
        noClasses().that().resideInAPackage("dev.worldstore").should().dependOnClassesThat()
                .resideInAnyPackage("dev.worldstore.kafka..", "dev.worldstore.projector..", "dev.worldstore.loadgen..",
                        "dev.worldstore.http..", "dev.worldstore.cli..")
                .check(classes);
        noClasses().that().resideInAPackage("dev.worldstore.kafka").should().dependOnClassesThat()
                .resideInAnyPackage("dev.worldstore.projector..", "dev.worldstore.loadgen..", "dev.worldstore.http..",
                        "dev.worldstore.cli..")
                .check(classes);
        noClasses().that().resideInAPackage("dev.worldstore.projector").should().dependOnClassesThat()
                .resideInAnyPackage("dev.worldstore.loadgen..", "dev.worldstore.http..", "dev.worldstore.cli..")
                .check(classes);
        noClasses().that().resideInAPackage("dev.worldstore.loadgen").should().dependOnClassesThat()
                .resideInAnyPackage("dev.worldstore.http..", "dev.worldstore.cli..")
                .check(classes);
        noClasses().that().resideInAPackage("dev.worldstore.http").should().dependOnClassesThat()
                .resideInAnyPackage("dev.worldstore.cli..")
                .check(classes);
    }

    @Test
    void coreIsTheApiAndNeedsNothingButJackson() {
        classes().that().resideInAPackage("dev.worldstore").should().onlyDependOnClassesThat(
                DescribedPredicate.describe("java, Jackson or core itself", (JavaClass t) -> t.getPackageName().startsWith("java.")
                        || t.getPackageName().startsWith("com.fasterxml.jackson.") || t.getPackageName().equals("dev.worldstore")))
                .check(classes);
    }

    @Test
    void noPackageIsCalledInternal() {
        noClasses().should().resideInAPackage("..internal..").check(classes);
    }

    /** Issue 9's floor plan: no main source file over 400 lines (a file that grows past it holds two concepts). */
    @Test
    void noMainSourceFileIsLongerThan400Lines() throws java.io.IOException {
        Map<String, Long> tooLong = new java.util.TreeMap<>();
        for (String module : List.of("core", "embedded-kafka", "projector", "loadgen", "api", "bench")) {
            java.nio.file.Path main = java.nio.file.Path.of("..", module, "src", "main", "java");
            assertTrue(java.nio.file.Files.isDirectory(main), main + " exists");
            try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(main)) {
                for (java.nio.file.Path p : files.filter(x -> x.toString().endsWith(".java")).toList()) {
                    long lines;
                    try (java.util.stream.Stream<String> l = java.nio.file.Files.lines(p)) {
                        lines = l.count();
                    }
                    if (lines > 400) {
                        tooLong.put(p.toString(), lines);
                    }
                }
            }
        }
        assertEquals(Map.of(), tooLong, "main source files over 400 lines");
    }
}
