package dev.ferry.output;

import dev.ferry.output.BuildOutputConfig.Condition;
import dev.ferry.output.BuildOutputConfig.ConditionType;
import dev.ferry.output.BuildOutputConfig.ConditionValue;
import dev.ferry.output.BuildOutputConfig.FileOverride;
import dev.ferry.output.BuildOutputConfig.Handle;
import dev.ferry.output.BuildOutputConfig.Handler;
import dev.ferry.output.BuildOutputConfig.Route;
import dev.ferry.output.BuildOutputConfig.SourceRoute;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Vercel's routing for one deployment: compiled once from its {@link BuildOutputConfig}, then
 * immutable and safe to share between threads.
 *
 * <h2>Order of evaluation</h2>
 *
 * <ol>
 *   <li><b>main</b>: the routes before the first {@code handle}.
 *   <li><b>filesystem check</b> of the current path (see below). A hit runs the <b>hit</b> routes
 *       and serves; a miss runs the <b>miss</b> routes.
 *   <li>the <b>filesystem</b> routes (after {@code handle: filesystem}; {@code vercel.json}
 *       rewrites live here), then the <b>rewrite</b> routes, then the <b>resource</b> routes.
 *   <li>the filesystem check again, if the path changed since it was last checked.
 *   <li><b>error</b> with 404 (or the 4xx/5xx status a route set).
 * </ol>
 *
 * <p>Within a phase routes are tried in order. A route matches when its {@code methods} (if any)
 * contain the method, its {@code src} matches the path (case-insensitively unless
 * {@code caseSensitive}; like {@code vercel dev}, a {@code src} that does not start with {@code /}
 * is also tried against the path without its leading slash), every {@code has} condition holds and
 * no {@code missing} condition does. A matching route:
 *
 * <ul>
 *   <li>sets its headers (later routes overwrite a header; in the hit and miss phases a header that
 *       is already set is kept unless the route is {@code important}) and its {@code status};
 *   <li>with a 3xx {@code status} and a {@code Location} header: redirects, whatever else it says;
 *   <li>with an external {@code dest} ({@code http://}, {@code https://}): proxies;
 *   <li>with an internal {@code dest}: rewrites the path and merges the dest's query into the
 *       request's (the dest's parameters win). With {@code check}, the new path is checked at once:
 *       a hit serves it; on a miss the route falls through: routing goes on with the next route, on
 *       the rewritten path (as in {@code vercel dev} and Next.js), unless the route has a status,
 *       which then ends routing with that status;
 *   <li>with {@code continue}: routing goes on with the next route;
 *   <li>otherwise it ends the phase: with an internal {@code dest} (and no {@code check}) the dest is
 *       final, served if it exists, else an error; with a {@code status} routing ends with that
 *       status (4xx/5xx through the error phase); with neither, the next step begins.
 * </ul>
 *
 * <p>The <b>filesystem check</b> looks for {@code static/<path>}: {@code /} is
 * {@code index.html}, {@code /x/} is {@code x/index.html}, {@code /x} is {@code x} and then
 * {@code x/index.html}; {@code overrides} move a file to their {@code path}. Then it looks for a
 * function: {@code /} is {@code index}, {@code /x/} is {@code x/index} then {@code x}, {@code /x} is
 * {@code x}. The miss routes run on every miss (not within themselves); when they do not serve
 * anything, the path, query, headers and status they changed are put back.
 *
 * <p>The <b>error</b> phase looks at routes whose {@code status} is the error's status (or that
 * have none); a {@code dest} that exists is served with the error status. Without one, a 404 is
 * answered with {@code 404.html} if the deployment has it, else {@link Result.NotFound}.
 *
 * <p>Phases never start over, so routing always ends; as a guard against configurations that
 * chain many checked rewrites, at most {@value #MAX_CHECKS} checks triggered by routes are made
 * per request, after which the answer is {@value #LOOP_DETECTED} (Loop Detected).
 *
 * <p>Destinations, {@code Location} and header values may use {@code $0}, {@code $1}, ...,
 * {@code $name} (see {@link Template}); values put into a URL are percent-encoded, values put into
 * other headers are inserted as they are.
 */
public final class RoutesEngine {

  public static final int MAX_CHECKS = 32;
  public static final int LOOP_DETECTED = 508;

  private static final CompiledRoute[] NONE = new CompiledRoute[0];

  private enum Phase { MAIN, FILESYSTEM, HIT, MISS, REWRITE, RESOURCE, ERROR }

  private final CompiledRoute[] main;
  private final CompiledRoute[] filesystem;
  private final CompiledRoute[] hit;
  private final CompiledRoute[] miss;
  private final CompiledRoute[] rewrite;
  private final CompiledRoute[] resource;
  private final CompiledRoute[] error;
  /** From {@code overrides}: URL path → file, files moved away from their own path, content types. */
  private final Map<String, String> fileAtPath;
  private final Set<String> movedFiles;
  private final Map<String, String> contentTypes;

  private RoutesEngine(BuildOutputConfig config) {
    Map<Phase, List<CompiledRoute>> phases = new EnumMap<>(Phase.class);
    Phase phase = Phase.MAIN;
    List<Route> routes = config.routes();
    for (int i = 0; i < routes.size(); i++) {
      Route route = routes.get(i);
      if (route instanceof Handler h) {
        phase = phaseOf(h.handle());
        continue;
      }
      phases.computeIfAbsent(phase, p -> new ArrayList<>()).add(new CompiledRoute(i, (SourceRoute) route));
    }
    main = array(phases, Phase.MAIN);
    filesystem = array(phases, Phase.FILESYSTEM);
    hit = array(phases, Phase.HIT);
    miss = array(phases, Phase.MISS);
    rewrite = array(phases, Phase.REWRITE);
    resource = array(phases, Phase.RESOURCE);
    error = array(phases, Phase.ERROR);

    Map<String, String> at = new HashMap<>();
    Set<String> moved = new HashSet<>();
    Map<String, String> types = new HashMap<>();
    for (Map.Entry<String, FileOverride> e : config.overrides().entrySet()) {
      String file = stripSlash(e.getKey());
      FileOverride o = e.getValue();
      if (o.path() != null) {
        String path = stripSlash(o.path());
        at.put(path, file);
        if (!path.equals(file)) {
          moved.add(file);
        }
      }
      if (o.contentType() != null) {
        types.put(file, o.contentType());
      }
    }
    moved.removeAll(at.keySet());
    fileAtPath = at.isEmpty() ? Map.of() : at;
    movedFiles = moved.isEmpty() ? Set.of() : moved;
    contentTypes = types.isEmpty() ? Map.of() : types;
  }

  /** Compiles every route of {@code config}; the result serves any number of requests. */
  public static RoutesEngine compile(BuildOutputConfig config) {
    return new RoutesEngine(config);
  }

  private static Phase phaseOf(Handle handle) {
    return switch (handle) {
      case FILESYSTEM -> Phase.FILESYSTEM;
      case HIT -> Phase.HIT;
      case MISS -> Phase.MISS;
      case REWRITE -> Phase.REWRITE;
      case RESOURCE -> Phase.RESOURCE;
      case ERROR -> Phase.ERROR;
    };
  }

  private static CompiledRoute[] array(Map<Phase, List<CompiledRoute>> phases, Phase phase) {
    List<CompiledRoute> list = phases.get(phase);
    return list == null ? NONE : list.toArray(CompiledRoute[]::new);
  }

  private static String stripSlash(String path) {
    return path.startsWith("/") ? path.substring(1) : path;
  }

  // --- routing -----------------------------------------------------------------------------------

  /** Decides how to answer {@code request} from what {@code files} holds. */
  public Result route(Request request, FileLookup files) {
    Context ctx = new Context(request, files);
    Result result = runPhase(main, Phase.MAIN, ctx);
    if (result != null) {
      return result;
    }
    if (!ctx.finalDest) {
      result = resolveUnlessMissed(ctx);
      if (result != null) {
        return result;
      }
      result = runPhase(filesystem, Phase.FILESYSTEM, ctx);
      if (result == null && !ctx.finalDest) {
        result = runPhase(rewrite, Phase.REWRITE, ctx);
      }
      if (result == null && !ctx.finalDest) {
        result = runPhase(resource, Phase.RESOURCE, ctx);
      }
      if (result != null) {
        return result;
      }
    }
    result = resolveUnlessMissed(ctx);
    if (result != null) {
      return result;
    }
    return error(ctx, ctx.status >= 400 ? ctx.status : 404);
  }

  /**
   * The error page for {@code status} (e.g. a function that failed with 500): runs only the error
   * phase, on the request's path.
   */
  public Result errorPage(Request request, int status, FileLookup files) {
    return error(new Context(request, files), status);
  }

  private Result runPhase(CompiledRoute[] routes, Phase phase, Context ctx) {
    for (CompiledRoute r : routes) {
      if (!r.matches(ctx)) {
        continue;
      }
      r.applyHeaders(ctx, phase == Phase.HIT || phase == Phase.MISS);
      if (r.status != 0) {
        ctx.status = r.status;
      }
      if (r.redirect) {
        return redirect(ctx, r.status);
      }
      if (r.dest != null) {
        String dest = r.dest.render(ctx.match, ctx.slots, true);
        if (Urls.isExternal(dest)) {
          return new Result.Proxy(Urls.withQuery(Urls.sanitize(dest), ctx.query), ctx.headers());
        }
        ctx.rewrite(dest);
        if (r.check && phase != Phase.HIT) {
          if (++ctx.checks > MAX_CHECKS) {
            return new Result.Status(LOOP_DETECTED, ctx.headers());
          }
          Result found = resolve(ctx);
          if (found != null) {
            return found;
          }
          if (r.status != 0) {
            return exitWithStatus(ctx, r.status);
          }
          continue;
        }
      }
      if (r.continueRouting) {
        continue;
      }
      if (r.dest != null) {
        ctx.finalDest = true;
        return null;
      }
      if (r.status != 0) {
        return exitWithStatus(ctx, r.status);
      }
      return null;
    }
    return null;
  }

  private Result redirect(Context ctx, int status) {
    String location = ctx.headers == null ? null : ctx.headers.remove("location");
    return new Result.Redirect(status, Urls.withQuery(Urls.sanitize(location), ctx.query), ctx.headers());
  }

  private Result exitWithStatus(Context ctx, int status) {
    if (status >= 400) {
      return error(ctx, status);
    }
    if (status >= 300 && status < 400 && ctx.headers != null && ctx.headers.containsKey("location")) {
      return redirect(ctx, status);
    }
    return new Result.Status(status, ctx.headers());
  }

  /** The filesystem check, unless the current path is the one the last check missed. */
  private Result resolveUnlessMissed(Context ctx) {
    return ctx.path.equals(ctx.lastMissed) ? null : resolve(ctx);
  }

  /** The filesystem check: a hit runs the hit phase and serves; a miss runs the miss phase. */
  private Result resolve(Context ctx) {
    Result found = lookup(ctx, true);
    if (found != null) {
      return found;
    }
    String path = ctx.path;
    if (!ctx.inMiss && miss.length > 0) {
      Map<String, List<String>> query = ctx.query;
      boolean queryOwned = ctx.queryOwned;
      LinkedHashMap<String, String> headers = ctx.headers == null ? null : new LinkedHashMap<>(ctx.headers);
      int status = ctx.status;
      ctx.inMiss = true;
      Result result = runPhase(miss, Phase.MISS, ctx);
      ctx.inMiss = false;
      if (result != null) {
        return result;
      }
      ctx.path = path;
      ctx.query = query;
      ctx.queryOwned = queryOwned;
      ctx.headers = headers;
      ctx.status = status;
      ctx.finalDest = false;
    }
    ctx.lastMissed = path;
    return null;
  }

  /** Looks the current path up; on a hit runs the hit phase (when asked) and returns what to serve. */
  private Result lookup(Context ctx, boolean runHit) {
    String p = ctx.path.substring(1);
    FileLookup files = ctx.files;
    String file;
    if (p.isEmpty() || p.endsWith("/")) {
      file = findFile(files, p + "index.html");
      if (file == null && !fileAtPath.isEmpty()) {
        file = findFile(files, p + "index");
      }
    } else {
      file = findFile(files, p);
      if (file == null) {
        file = findFile(files, p + "/index.html");
      }
    }
    if (file != null) {
      if (runHit) {
        runPhase(hit, Phase.HIT, ctx);
      }
      String type = contentTypes.get(file);
      if (type != null && (ctx.headers == null || !ctx.headers.containsKey("content-type"))) {
        ctx.header("content-type", type);
      }
      return new Result.ServeFile(file, ctx.status == 0 ? 200 : ctx.status, ctx.headers());
    }
    Optional<String> function;
    if (p.isEmpty()) {
      function = files.function("index");
    } else if (p.endsWith("/")) {
      function = files.function(p + "index");
      if (function.isEmpty()) {
        function = files.function(p.substring(0, p.length() - 1));
      }
    } else {
      function = files.function(p);
    }
    if (function.isPresent()) {
      if (runHit) {
        runPhase(hit, Phase.HIT, ctx);
      }
      return new Result.ServeFunction(function.get(), ctx.path, ctx.query, ctx.headers(),
          ctx.status == 0 ? OptionalInt.empty() : OptionalInt.of(ctx.status));
    }
    return null;
  }

  private String findFile(FileLookup files, String path) {
    if (!fileAtPath.isEmpty()) {
      String file = fileAtPath.get(path);
      if (file != null) {
        return files.exists(file) ? file : null;
      }
      if (movedFiles.contains(path)) {
        return null;
      }
    }
    return files.exists(path) ? path : null;
  }

  private Result error(Context ctx, int status) {
    ctx.status = status;
    for (CompiledRoute r : error) {
      if (r.status != 0 && r.status != status || !r.matches(ctx)) {
        continue;
      }
      r.applyHeaders(ctx, false);
      if (r.dest != null) {
        String dest = r.dest.render(ctx.match, ctx.slots, true);
        if (Urls.isExternal(dest)) {
          return new Result.Proxy(Urls.withQuery(Urls.sanitize(dest), ctx.query), ctx.headers());
        }
        ctx.rewrite(dest);
        Result page = lookup(ctx, false);
        if (page != null) {
          return page;
        }
      }
      if (!r.continueRouting) {
        break;
      }
    }
    if (status == 404) {
      String page = findFile(ctx.files, "404.html");
      if (page != null) {
        return new Result.ServeFile(page, 404, ctx.headers());
      }
      return new Result.NotFound(ctx.headers());
    }
    return new Result.Status(status, ctx.headers());
  }

  // --- per request state -------------------------------------------------------------------------

  private static final class Context {
    final Request request;
    final FileLookup files;
    String path;
    Map<String, List<String>> query;
    boolean queryOwned;
    LinkedHashMap<String, String> headers;
    int status;
    int checks;
    boolean finalDest;
    boolean inMiss;
    String lastMissed;
    /** The match of the route being applied, and what its has conditions captured. */
    Matcher match;
    String[] slots;

    Context(Request request, FileLookup files) {
      this.request = request;
      this.files = files;
      this.path = request.path();
      this.query = request.query();
    }

    Map<String, String> headers() {
      return headers == null ? Map.of() : Collections.unmodifiableMap(headers);
    }

    void header(String name, String value) {
      if (headers == null) {
        headers = new LinkedHashMap<>();
      }
      headers.put(name, value);
    }

    /** Applies an internal destination: new path, dest query merged in (the dest's values win). */
    void rewrite(String dest) {
      int q = dest.indexOf('?');
      int h = dest.indexOf('#');
      int end = q >= 0 ? q : h >= 0 ? h : dest.length();
      String p = Urls.decode(dest.substring(0, end), false);
      path = Urls.removeDotSegments(p.startsWith("/") ? p : "/" + p);
      if (q < 0) {
        return;
      }
      String qs = h > q ? dest.substring(q + 1, h) : dest.substring(q + 1);
      List<String[]> pairs = Urls.parseQuery(qs);
      if (pairs.isEmpty()) {
        return;
      }
      if (!queryOwned) {
        query = new LinkedHashMap<>(query);
        queryOwned = true;
      }
      Map<String, List<String>> fromDest = new LinkedHashMap<>();
      for (String[] pair : pairs) {
        fromDest.computeIfAbsent(pair[0], k -> new ArrayList<>(1)).add(pair[1]);
      }
      query.putAll(fromDest);
    }
  }

  // --- compiled routes ---------------------------------------------------------------------------

  private static final class CompiledRoute {
    final int index;
    final RouteRegex regex;
    final boolean retryWithoutSlash;
    final String[] methods;
    final CompiledCondition[] has;
    final CompiledCondition[] missing;
    final int slotCount;
    final String[] headerNames;
    final Template[] headerValues;
    final Template dest;
    final boolean continueRouting;
    final boolean check;
    final boolean important;
    final int status;
    final boolean redirect;

    CompiledRoute(int index, SourceRoute route) {
      this.index = index;
      String src = BuildOutputConfig.normalizeSrc(route.src());
      this.regex = RouteRegex.compile(src, route.caseSensitive());
      this.retryWithoutSlash = src.length() > 1 && src.charAt(1) != '/'
          && (Character.isLetterOrDigit(src.charAt(1)) || src.charAt(1) == '_' || src.charAt(1) == '-');
      this.methods = route.methods().isEmpty() ? null : route.methods().stream()
          .map(m -> m.toUpperCase(Locale.ROOT)).toArray(String[]::new);

      Map<String, Integer> slots = new LinkedHashMap<>();
      this.has = compileConditions(route.has(), slots, true);
      this.missing = compileConditions(route.missing(), slots, false);
      this.slotCount = slots.size();

      Map<String, Integer> groups = regex.groupNames();
      this.headerNames = new String[route.headers().size()];
      this.headerValues = new Template[route.headers().size()];
      int i = 0;
      for (Map.Entry<String, String> e : route.headers().entrySet()) {
        headerNames[i] = e.getKey().toLowerCase(Locale.ROOT);
        headerValues[i] = Template.parse(e.getValue(), groups, slots);
        i++;
      }
      this.dest = route.dest() == null ? null : Template.parse(route.dest(), groups, slots);
      this.continueRouting = route.continueRouting();
      this.check = route.check();
      this.important = route.important();
      this.status = route.status();
      this.redirect = route.isRedirect();
    }

    private static CompiledCondition[] compileConditions(List<Condition> conditions, Map<String, Integer> slots,
        boolean capture) {
      if (conditions.isEmpty()) {
        return null;
      }
      CompiledCondition[] compiled = new CompiledCondition[conditions.size()];
      for (int i = 0; i < compiled.length; i++) {
        compiled[i] = new CompiledCondition(conditions.get(i), capture ? slots : null);
      }
      return compiled;
    }

    /** True when the route applies; leaves its match and captures in the context. */
    boolean matches(Context ctx) {
      if (methods != null && !hasMethod(ctx.request.method())) {
        return false;
      }
      Matcher m = regex.find(ctx.path);
      if (m == null && retryWithoutSlash) {
        m = regex.find(ctx.path.substring(1));
      }
      if (m == null) {
        return false;
      }
      String[] values = null;
      if (has != null) {
        values = slotCount == 0 ? null : new String[slotCount];
        for (CompiledCondition c : has) {
          if (!c.test(ctx, values)) {
            return false;
          }
        }
      }
      if (missing != null) {
        for (CompiledCondition c : missing) {
          if (c.test(ctx, null)) {
            return false;
          }
        }
      }
      ctx.match = m;
      ctx.slots = values;
      return true;
    }

    private boolean hasMethod(String method) {
      for (String m : methods) {
        if (m.equalsIgnoreCase(method)) {
          return true;
        }
      }
      return false;
    }

    void applyHeaders(Context ctx, boolean keepExisting) {
      for (int i = 0; i < headerNames.length; i++) {
        String name = headerNames[i];
        if (keepExisting && !important && ctx.headers != null && ctx.headers.containsKey(name)) {
          continue;
        }
        boolean url = name.equals("location");
        ctx.header(name, headerValues[i].render(ctx.match, ctx.slots, url));
      }
    }

    @Override
    public String toString() {
      return "route " + index + " " + regex;
    }
  }

  private static final class CompiledCondition {
    final ConditionType type;
    final String key;
    final ConditionValue value;
    final RouteRegex regex;
    /** Slot per group of {@link #regex} (index = group number), -1 for unnamed groups. */
    final int[] groupSlots;
    final int keySlot;
    final int hostSlot;

    CompiledCondition(Condition c, Map<String, Integer> slots) {
      this.type = c.type();
      this.key = type == ConditionType.HEADER && c.key() != null ? c.key().toLowerCase(Locale.ROOT) : c.key();
      this.value = c.value();
      String pattern = value == null ? null : value.pattern();
      this.regex = pattern == null ? null : RouteRegex.compile(pattern, true);
      int keySlot = -1;
      int hostSlot = -1;
      int[] groupSlots = null;
      if (slots != null) {
        if (value == null && key != null) {
          keySlot = slots.computeIfAbsent(c.key(), k -> slots.size());
        }
        if (regex != null && !regex.groupNames().isEmpty()) {
          groupSlots = new int[regex.groupCount() + 1];
          Arrays.fill(groupSlots, -1);
          for (Map.Entry<String, Integer> g : regex.groupNames().entrySet()) {
            groupSlots[g.getValue()] = slots.computeIfAbsent(g.getKey(), k -> slots.size());
          }
        }
        if (type == ConditionType.HOST && value != null) {
          hostSlot = slots.computeIfAbsent("host", k -> slots.size());
        }
      }
      this.keySlot = keySlot;
      this.hostSlot = hostSlot;
      this.groupSlots = groupSlots;
    }

    /** True when the condition holds; fills {@code values} (when given) with what it captures. */
    boolean test(Context ctx, String[] values) {
      String actual = actual(ctx);
      if (value == null) {
        if (actual == null) {
          return false;
        }
        if (values != null && keySlot >= 0) {
          values[keySlot] = actual;
        }
        return true;
      }
      if (actual == null) {
        return false;
      }
      if (regex != null) {
        Matcher m = regex.matchWhole(actual);
        if (m == null) {
          return false;
        }
        if (values != null && groupSlots != null) {
          for (int g = 1; g < groupSlots.length; g++) {
            if (groupSlots[g] >= 0 && m.group(g) != null) {
              values[groupSlots[g]] = m.group(g);
            }
          }
        }
      }
      if (!value.isRegex() && !matchesObject(actual)) {
        return false;
      }
      if (values != null && hostSlot >= 0) {
        values[hostSlot] = actual;
      }
      return true;
    }

    private String actual(Context ctx) {
      return switch (type) {
        case HEADER -> ctx.request.headers().get(key);
        case COOKIE -> ctx.request.cookies().get(key);
        case QUERY -> {
          List<String> values = ctx.query.get(key);
          yield values == null ? null : values.isEmpty() ? "" : values.get(0);
        }
        case HOST -> ctx.request.hostName();
      };
    }

    private boolean matchesObject(String actual) {
      ConditionValue v = value;
      if (v.eq() != null && !actual.equals(v.eq()) && !numericEquals(actual, v.eq())) {
        return false;
      }
      if (v.neq() != null && actual.equals(v.neq())) {
        return false;
      }
      if (v.inc() != null && !v.inc().contains(actual)) {
        return false;
      }
      if (v.ninc() != null && v.ninc().contains(actual)) {
        return false;
      }
      if (v.pre() != null && !actual.startsWith(v.pre())) {
        return false;
      }
      if (v.suf() != null && !actual.endsWith(v.suf())) {
        return false;
      }
      if (v.gt() != null || v.gte() != null || v.lt() != null || v.lte() != null) {
        double n;
        try {
          n = Double.parseDouble(actual.trim());
        } catch (NumberFormatException e) {
          return false;
        }
        if (Double.isNaN(n) || Double.isInfinite(n)) {
          return false;
        }
        return (v.gt() == null || n > v.gt()) && (v.gte() == null || n >= v.gte())
            && (v.lt() == null || n < v.lt()) && (v.lte() == null || n <= v.lte());
      }
      return true;
    }

    private static boolean numericEquals(String actual, String expected) {
      try {
        return Double.parseDouble(actual.trim()) == Double.parseDouble(expected);
      } catch (NumberFormatException e) {
        return false;
      }
    }
  }
}
