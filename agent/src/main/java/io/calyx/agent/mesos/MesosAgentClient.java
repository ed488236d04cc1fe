package io.calyx.agent.mesos;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks a Mesos agent which containers it knows, through the v1 operator API: {@code POST /api/v1} with
 * {@code GET_CONTAINERS}, nested and standalone containers included (the legacy {@code /containers}
 * endpoint omits nested ones). One instance holds one HTTP client and may be shared between threads.
 *
 * <p>Every failure, whatever its kind (refused, timed out, TLS, a non-2xx status, a body that is not a
 * {@code GET_CONTAINERS} response), is one {@link MesosUnavailableException} whose message names the
 * endpoint and the cause.
 */
public final class MesosAgentClient implements AutoCloseable {
  /** The call; {@code show_standalone} because standalone containers may join CNI networks too. */
  static final String GET_CONTAINERS =
      "{\"type\":\"GET_CONTAINERS\",\"get_containers\":{\"show_nested\":true,\"show_standalone\":true}}";

  /** Larger answers are refused: a container with statistics is a few KiB, so this is thousands of them. */
  static final long MAX_BODY_BYTES = 64L << 20;

  private final Options options;
  private final URI api;
  private final HttpClient http;
  private final Optional<String> authorization;
  private final long maxBodyBytes;

  /**
   * HTTP Basic credentials, as a Mesos agent started with {@code --authenticate_http_readonly} and
   * {@code --http_credentials} expects them.
   */
  public record Credentials(String principal, String secret) {
    public Credentials {
      Objects.requireNonNull(principal, "principal");
      Objects.requireNonNull(secret, "secret");
      if (principal.isEmpty() || principal.indexOf(':') >= 0) {
        throw new IllegalArgumentException("a Mesos principal must be non-empty and contain no ':'");
      }
    }

    /** Does not show the secret. */
    @Override
    public String toString() {
      return "Credentials[principal=" + principal + ", secret=***]";
    }
  }

  /**
   * How to reach the agent.
   *
   * @param endpoint the agent's base URL, {@code http(s)://HOST:PORT} (a path prefix is kept: the call goes
   *     to {@code <endpoint>/api/v1})
   * @param caFile PEM bundle of the certificates that may sign an https agent's certificate; empty: the
   *     JVM's default trust store
   * @param insecure accept any certificate for any host name (https only)
   * @param timeout bounds the whole call, connecting included
   * @param credentials sent as HTTP Basic authentication with every call
   */
  public record Options(URI endpoint, Optional<Path> caFile, boolean insecure, Duration timeout, Optional<Credentials> credentials) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    public Options {
      Objects.requireNonNull(endpoint, "endpoint");
      Objects.requireNonNull(caFile, "caFile");
      Objects.requireNonNull(timeout, "timeout");
      Objects.requireNonNull(credentials, "credentials");
      if (endpoint.getRawUserInfo() != null) {
        // It would be printed with every message; credentials have their own option.
        throw new IllegalArgumentException("the Mesos agent endpoint must not carry credentials (give them separately)");
      }
      String scheme = endpoint.getScheme();
      if (!("http".equals(scheme) || "https".equals(scheme)) || endpoint.getHost() == null) {
        throw new IllegalArgumentException("the Mesos agent endpoint " + endpoint + " is not an http(s)://HOST:PORT URL");
      }
      if (endpoint.getRawQuery() != null || endpoint.getRawFragment() != null) {
        throw new IllegalArgumentException("the Mesos agent endpoint " + endpoint + " must not have a query or fragment");
      }
      if (insecure && caFile.isPresent()) {
        // Both at once would silently ignore the CA file; an operator who gave one expects it to be used.
        throw new IllegalArgumentException("a Mesos CA file and insecure mode exclude each other");
      }
      if (!timeout.isPositive()) {
        throw new IllegalArgumentException("the Mesos agent timeout must be positive, not " + timeout);
      }
    }

    /** The endpoint with the defaults: system trust, 5 s, no credentials. */
    public static Options of(URI endpoint) {
      return new Options(endpoint, Optional.empty(), false, DEFAULT_TIMEOUT, Optional.empty());
    }

    public Options withCaFile(Path file) {
      return new Options(endpoint, Optional.of(file), insecure, timeout, credentials);
    }

    public Options withInsecure(boolean skipVerification) {
      return new Options(endpoint, caFile, skipVerification, timeout, credentials);
    }

    public Options withTimeout(Duration callTimeout) {
      return new Options(endpoint, caFile, insecure, callTimeout, credentials);
    }

    public Options withCredentials(Credentials basic) {
      return new Options(endpoint, caFile, insecure, timeout, Optional.of(basic));
    }
  }

  /**
   * Builds the client; nothing is sent yet.
   *
   * @throws IOException naming the file, when the CA file cannot be read or holds no certificate
   */
  public MesosAgentClient(Options options) throws IOException {
    this(options, MAX_BODY_BYTES);
  }

  /** With another limit on the answer's size (tests). */
  MesosAgentClient(Options options, long maxBodyBytes) throws IOException {
    this.options = Objects.requireNonNull(options, "options");
    this.maxBodyBytes = maxBodyBytes;
    this.api = apiUri(options.endpoint());
    HttpClient.Builder builder = HttpClient.newBuilder()
        // libprocess speaks HTTP/1.1 only; an h2c upgrade offer would only add headers it ignores.
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(options.timeout())
        .followRedirects(HttpClient.Redirect.NEVER);
    if (options.caFile().isPresent()) {
      builder.sslContext(TlsTrust.trusting(options.caFile().get()));
    } else if (options.insecure()) {
      builder.sslContext(TlsTrust.trustingAnyone());
    }
    this.http = builder.build();
    this.authorization = options.credentials().map(c -> "Basic " + Base64.getEncoder().encodeToString(
        (c.principal() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8)));
  }

  public Options options() {
    return options;
  }

  /**
   * The ids of every container the agent knows (top-level, nested and standalone), as the CNI plugin got
   * them in {@code CNI_CONTAINERID}: {@code <parent>.<child>} for a nested container, taken from the entry's
   * status (or a {@code container_id.parent}); a nested entry without either is named by its own value only
   * (see {@link LeakTracker}).
   *
   * @throws MesosUnavailableException when the agent did not answer within the timeout with a
   *     {@code GET_CONTAINERS} response
   * @throws InterruptedException when the calling thread is interrupted (the call is abandoned)
   */
  public Set<String> containerIds() throws MesosUnavailableException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(api)
        .timeout(options.timeout())
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(GET_CONTAINERS, StandardCharsets.UTF_8));
    authorization.ifPresent(value -> request.header("Authorization", value));
    CompletableFuture<HttpResponse<byte[]>> exchange = http.sendAsync(
        request.build(), HttpResponse.BodyHandlers.limiting(HttpResponse.BodyHandlers.ofByteArray(), maxBodyBytes));
    HttpResponse<byte[]> response;
    try {
      // The request timeout ends at the response headers; this bounds the body too.
      response = exchange.get(options.timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      exchange.cancel(true);
      throw timedOut(e);
    } catch (InterruptedException e) {
      exchange.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable failure = e.getCause() != null ? e.getCause() : e;
      if (Failures.isTimeout(failure)) {
        throw timedOut(failure);
      }
      if (String.valueOf(failure.getMessage()).contains("exceeds capacity")) {
        throw new MesosUnavailableException(
            "Mesos agent at " + options.endpoint() + " answered with a body larger than " + size(maxBodyBytes), failure);
      }
      throw new MesosUnavailableException(
          "Mesos agent at " + options.endpoint() + " is not reachable: " + Failures.describeHttp(failure), failure);
    }
    int status = response.statusCode();
    if (status < 200 || status > 299) {
      String detail = Failures.oneLine(new String(response.body(), StandardCharsets.UTF_8));
      throw new MesosUnavailableException("Mesos agent at " + options.endpoint() + " answered " + status + reason(status)
          + (detail.isEmpty() ? "" : ": " + detail));
    }
    try {
      return GetContainersResponse.containerIds(response.body());
    } catch (GetContainersResponse.UnexpectedAnswerException e) {
      throw new MesosUnavailableException(
          "Mesos agent at " + options.endpoint() + " answered GET_CONTAINERS unexpectedly: " + e.getMessage(), e);
    }
  }

  /** Stops the HTTP client; calls in progress fail. */
  @Override
  public void close() {
    http.shutdownNow();
  }

  private MesosUnavailableException timedOut(Throwable cause) {
    return new MesosUnavailableException(
        "Mesos agent at " + options.endpoint() + " timed out after " + Failures.duration(options.timeout()), cause);
  }

  private static String size(long bytes) {
    return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
  }

  /** {@code <endpoint>/api/v1}, keeping a path prefix (an agent behind a reverse proxy). */
  static URI apiUri(URI endpoint) {
    String path = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    try {
      return new URI(endpoint.getScheme() + "://" + endpoint.getRawAuthority() + path + "/api/v1");
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("the Mesos agent endpoint " + endpoint + " cannot be extended with /api/v1", e);
    }
  }

  private static final Map<Integer, String> REASONS = Map.ofEntries(
      Map.entry(301, "Moved Permanently"), Map.entry(302, "Found"), Map.entry(307, "Temporary Redirect"),
      Map.entry(308, "Permanent Redirect"), Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"),
      Map.entry(403, "Forbidden"), Map.entry(404, "Not Found"), Map.entry(405, "Method Not Allowed"),
      Map.entry(406, "Not Acceptable"), Map.entry(407, "Proxy Authentication Required"),
      Map.entry(408, "Request Timeout"), Map.entry(415, "Unsupported Media Type"),
      Map.entry(429, "Too Many Requests"), Map.entry(500, "Internal Server Error"),
      Map.entry(501, "Not Implemented"), Map.entry(502, "Bad Gateway"), Map.entry(503, "Service Unavailable"),
      Map.entry(504, "Gateway Timeout"));

  /** The standard reason phrase (the JDK's client does not keep the server's). */
  private static String reason(int status) {
    String phrase = REASONS.get(status);
    return phrase == null ? "" : " " + phrase;
  }
}
