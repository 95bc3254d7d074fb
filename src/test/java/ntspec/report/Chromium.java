package ntspec.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A headless Chromium driven through the Chrome DevTools Protocol
 * (https://chromedevtools.github.io/devtools-protocol/) over the JDK's own WebSocket client: enough
 * to open a page, run JavaScript in it and take a screenshot, without a WebDriver or a browser
 * download (Selenium and Playwright fetch drivers or browsers from the internet; Debian's
 * {@code chromium} package is what CI installs). Every expression sent returns a string.
 */
final class Chromium implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
    private static final Pattern PAGE_SOCKET = Pattern.compile("\"webSocketDebuggerUrl\"\\s*:\\s*\"(ws://[^\"]+/devtools/page/[^\"]+)\"");
    private static final Pattern ID = Pattern.compile("^\\{\"id\":(\\d+)");

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final Map<Integer, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    private Chromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /** The browser to use: {@code -Dntspec.browser=...}, else chromium, chromium-browser or google-chrome on the PATH; null if none. */
    static Path find() {
        String given = System.getProperty("ntspec.browser");
        if (given != null && !given.isBlank()) return Path.of(given);
        String path = System.getenv().getOrDefault("PATH", "");
        for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return p;
            }
        }
        return null;
    }

    static Chromium start(Path browser, int width, int height) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("ntspec-chromium");
        Process process = new ProcessBuilder(browser.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
                "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=" + width + "," + height, "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        CompletableFuture<String> browserSocket = new CompletableFuture<>();
        StringBuilder stderr = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) browserSocket.complete(m.group(1));
                    else if (!browserSocket.isDone()) stderr.append(line).append('\n');
                }
            } catch (IOException e) {
                // the browser went away
            }
            browserSocket.complete(null);
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        String ws;
        try {
            ws = browserSocket.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            ws = null;
        }
        if (ws == null) {
            process.destroyForcibly();
            throw new IOException(browser + " did not start its DevTools endpoint:\n" + stderr);
        }
        URI list = URI.create("http://" + URI.create(ws).getAuthority() + "/json/list");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String page = null;
        for (int attempt = 0; attempt < 50 && page == null; attempt++) {
            String body = http.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = PAGE_SOCKET.matcher(body);
            if (m.find()) page = m.group(1);
            else Thread.sleep(100);
        }
        if (page == null) {
            process.destroyForcibly();
            throw new IOException(browser + " opened no page target at " + list);
        }
        Chromium[] self = new Chromium[1];
        WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(page), new WebSocket.Listener() {
            private final StringBuilder message = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                message.append(data);
                if (last) {
                    String text = message.toString();
                    message.setLength(0);
                    Matcher m = ID.matcher(text);
                    if (m.find()) {
                        CompletableFuture<String> f = self[0].pending.remove(Integer.parseInt(m.group(1)));
                        if (f != null) f.complete(text);
                    }
                }
                webSocket.request(1);
                return null;
            }
        }).join();
        self[0] = new Chromium(process, profile, socket);
        return self[0];
    }

    /** Sends one DevTools command; returns its JSON response. */
    String send(String method, String params) {
        int id = ids.incrementAndGet();
        CompletableFuture<String> response = new CompletableFuture<>();
        pending.put(id, response);
        socket.sendText("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}", true).join();
        try {
            String r = response.get(120, TimeUnit.SECONDS);
            if (r.contains("\"error\":")) throw new IllegalStateException(method + " failed: " + r);
            return r;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(method + " got no answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " interrupted", e);
        }
    }

    void navigate(String url) {
        send("Page.navigate", "{\"url\":" + json(url) + "}");
    }

    /** Evaluates {@code expression} (which must yield a string, or a promise of one) in the page. */
    String eval(String expression) {
        String r = send("Runtime.evaluate", "{\"expression\":" + json(expression) + ",\"returnByValue\":true,\"awaitPromise\":true}");
        if (r.contains("\"exceptionDetails\"")) throw new IllegalStateException("JavaScript threw: " + r);
        int start = r.indexOf("\"value\":\"");
        if (start < 0) return null;
        int i = start + 8;
        int end = i + 1;
        while (end < r.length() && r.charAt(end) != '"') end += r.charAt(end) == '\\' ? 2 : 1;
        return unjson(r.substring(i, end + 1));
    }

    /** Polls {@code expression} until it yields a non-empty string, or fails after {@code seconds}. */
    String await(String what, String expression, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            String v = eval(expression);
            if (v != null && !v.isEmpty()) return v;
            if (System.nanoTime() > end) throw new AssertionError("the report did not show " + what + " within " + seconds + " s");
            Thread.sleep(100);
        }
    }

    void screenshot(Path png) throws IOException {
        String r = send("Page.captureScreenshot", "{\"format\":\"png\"}");
        Matcher m = Pattern.compile("\"data\":\"([A-Za-z0-9+/=]+)\"").matcher(r);
        if (!m.find()) throw new IllegalStateException("no screenshot in " + r.substring(0, Math.min(200, r.length())));
        Files.createDirectories(png.toAbsolutePath().getParent());
        Files.write(png, Base64.getDecoder().decode(m.group(1)));
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    static String unjson(String quoted) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i < quoted.length() - 1; i++) {
            char c = quoted.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = quoted.charAt(++i);
            switch (e) {
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'u' -> {
                    b.append((char) Integer.parseInt(quoted.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> b.append(e);
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing anyway
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var walk = Files.walk(profile)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary profile left behind
        }
    }
}
