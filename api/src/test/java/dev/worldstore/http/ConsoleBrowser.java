package dev.worldstore.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium (Debian's {@code chromium} and {@code chromium-driver} packages, driven
 * through Selenium and the system chromedriver: nothing is downloaded) for the console's browser
 * tests. Every page load first runs a small watcher that records dialogs (alert, confirm, prompt),
 * script errors, console errors and Content-Security-Policy violations in {@code window.__watch}.
 */
final class ConsoleBrowser implements AutoCloseable {
    static final Path CHROMIUM = Path.of(System.getProperty("worldstore.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("worldstore.chromedriver", "/usr/bin/chromedriver"));

    /** Runs before any script of every page (CDP), so nothing the page does escapes it. */
    private static final String WATCH = """
            window.__watch = {dialogs: [], errors: [], csp: []};
            for (const f of ['alert', 'confirm', 'prompt']) {
              window[f] = function (m) { window.__watch.dialogs.push(f + ': ' + m); return f === 'confirm' ? false : null; };
            }
            window.addEventListener('error', (e) => window.__watch.errors.push('error: ' + (e.message || (e.target && e.target.outerHTML) || e.type)), true);
            window.addEventListener('unhandledrejection', (e) => window.__watch.errors.push('rejection: ' + e.reason));
            const consoleError = console.error;
            console.error = function (...a) { window.__watch.errors.push('console: ' + a.map(String).join(' ')); return consoleError.apply(console, a); };
            document.addEventListener('securitypolicyviolation', (e) => window.__watch.csp.push(e.violatedDirective + ' ' + e.blockedURI));
            """;

    final ChromeDriver driver;
    private final Path userDataDir;

    private ConsoleBrowser(ChromeDriver driver, Path userDataDir) {
        this.driver = driver;
        this.userDataDir = userDataDir;
    }

    /** A fresh browser with its own profile under {@code dir}. */
    static ConsoleBrowser start(Path dir) {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException("the console's browser tests need Debian's chromium and chromium-driver (" + CHROMIUM
                    + ", " + CHROMEDRIVER + "): run ./test.sh, which installs them, or apt-get install chromium chromium-driver");
        }
        Path profile;
        try {
            profile = Files.createTempDirectory(dir, "chromium-profile");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--window-size=1440,900", "--lang=en-US");
        options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.IGNORE);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", WATCH));
        return new ConsoleBrowser(driver, profile);
    }

    void open(String url) {
        driver.get(url);
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    List<WebElement> findAll(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** Waits for {@code condition} to give a non-null, non-false value; fails with {@code what} after {@code timeout}. */
    <T> T await(String what, Duration timeout, Function<WebDriver, T> condition) {
        WebDriverWait wait = new WebDriverWait(driver, timeout, Duration.ofMillis(25));
        wait.withMessage(what);
        return wait.until(condition);
    }

    <T> T await(String what, Function<WebDriver, T> condition) {
        return await(what, Duration.ofSeconds(20), condition);
    }

    /** The dialogs, script errors and CSP violations the watcher saw on the current page. */
    @SuppressWarnings("unchecked")
    Map<String, List<String>> watched() {
        return (Map<String, List<String>>) js("return window.__watch;");
    }

    void screenshot(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(userDataDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // the temp dir is removed with the test's dir anyway
            }
        }
    }
}
