/**
 * Vercel's Build Output API v3 routing, as a library: {@link dev.ferry.output.BuildOutputConfig}
 * reads {@code config.json}, {@link dev.ferry.output.VercelJsonCompiler} turns a {@code vercel.json}
 * into the same routes, and {@link dev.ferry.output.RoutesEngine} (compiled once per deployment)
 * decides per request what to answer with: a {@link dev.ferry.output.Result}.
 *
 * <h2>Decisions where Vercel's documentation leaves room</h2>
 *
 * <ul>
 *   <li><b>Case.</b> A {@code config.json} route's {@code src} is case-insensitive unless
 *       {@code caseSensitive} (as {@code vercel dev} and Vercel's proxy do); the routes compiled
 *       from {@code vercel.json} {@code redirects}, {@code rewrites} and {@code headers} are
 *       case-sensitive. Requests are matched on the decoded path.
 *   <li><b>Phase order.</b> main → filesystem check (hit → hit routes → serve; miss → miss
 *       routes) → filesystem routes → rewrite routes → resource routes → filesystem check again
 *       if the path changed → error. Where the {@code handle} routes appear in the file does not
 *       matter.
 *   <li><b>check.</b> A rewrite with {@code check} is looked up at once; when nothing is there
 *       routing continues with the next route on the rewritten path (chaining, as in
 *       {@code vercel dev} and Next.js; phases never start over), unless the route also has a
 *       status, which then ends routing with it. A {@code dest} without {@code check} and without
 *       {@code continue} is final: served if it exists, else the error phase.
 *   <li><b>Filesystem.</b> {@code /} is {@code index.html}, {@code /x/} is {@code x/index.html},
 *       and {@code /x} is {@code x} and then {@code x/index.html} (without the latter a site with
 *       {@code trailingSlash: false} could not serve its directories; the edge did the same
 *       before); then functions ({@code index}, {@code x/index}, {@code x}). Static files win over
 *       functions. {@code overrides} move files to their {@code path}.
 *   <li><b>cleanUrls</b> is a miss route ({@code /x} → {@code /x.html} with check), so it also
 *       applies to rewrite destinations, as on Vercel; its redirects and {@code trailingSlash}'s
 *       never touch {@code /.well-known/} (a look-ahead rather than Vercel's empty route, so
 *       header rules still apply there).
 *   <li><b>Queries.</b> A destination's query is merged into the request's and its parameters
 *       win. Redirect locations and proxy URLs get the request's query parameters that they do not
 *       set themselves. Rewrites add the source's parameters to the query only when none of them is
 *       used in the destination's path, host or fragment (Vercel's rule).
 *   <li><b>has/missing.</b> A string {@code value} must match the whole value (as in Next.js);
 *       the object form ({@code eq}, {@code neq}, {@code inc} = one of, {@code ninc},
 *       {@code pre}, {@code suf}, {@code re}, {@code gt}...) is supported. A query condition looks
 *       at the first value of the current (possibly rewritten) query; a host condition at the host
 *       without port.
 *   <li><b>Substitution.</b> {@code $0}, {@code $n}, {@code $name} in destinations and header
 *       values; an unknown {@code $name} stays as written, a group that did not match is empty;
 *       there is no escape for {@code $} (as on Vercel). Values inserted into URLs are
 *       percent-encoded; dot segments of an internal destination are resolved, never above the
 *       root.
 *   <li><b>Headers</b> are lower-cased in results; later routes overwrite; in the hit and miss
 *       phases an existing header is kept unless the route is {@code important}. Headers set in the
 *       main phase are part of 404 answers too. A redirect answers before later header rules.
 *   <li><b>Errors.</b> Error routes match when their {@code status} equals the error's (or they
 *       have none). Without one that resolves, a 404 is {@code 404.html} if present.
 *   <li><b>Loops.</b> Routing cannot loop (no phase starts over); at most 32 route-triggered
 *       filesystem checks are made per request, after which the answer is 508.
 * </ul>
 */
package dev.ferry.output;
