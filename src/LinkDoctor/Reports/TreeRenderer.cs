using System.Text;
using LinkDoctor.Loaders;

namespace LinkDoctor.Reports;

/// <summary>Renders a <see cref="LoadGraph"/>: the loader's own trace format, a tree, or a graph (dot, mermaid).</summary>
public static class TreeRenderer
{
    /// <summary>
    /// Exactly what the loader's trace prints (glibc LD_TRACE_LOADED_OBJECTS=1, elf/rtld.c; musl --list,
    /// ldso/dynlink.c), minus the load addresses and the vdso line.
    /// </summary>
    public static string Flat(LoadGraph g)
    {
        var sb = new StringBuilder();
        if (g.Main.File is not Formats.Elf.ElfFile)
        {
            // dyld and Windows have no trace mode of their own: the link map in load order, as ldd would print it.
            foreach (var o in g.Objects.Where(o => !o.IsMain))
                sb.Append('\t').Append(o.Name).Append(" => ").Append(o.Found ? o.Path : "not found").Append('\n');
            return sb.ToString();
        }
        if (g.Main.Elf?.Dynamic is null) { sb.Append("\tnot a dynamic executable\n"); return sb.ToString(); }
        if (g.TracesWhileLoading)
        {
            // A loader that prints as it loads (musl: reserved libc names once each; missing libraries go to stderr).
            foreach (var line in g.TraceLines) sb.Append(line).Append('\n');
            return sb.ToString();
        }
        // A fatal error (a junk file on the path) aborts before the list is printed.
        if (g.FatalError is not null) return "";
        if (g.Main.Elf.Dynamic.Needed.Count == 0 && !g.Objects.Any(o => o.IsPreload))
            return "\tstatically linked\n";
        foreach (var o in g.Objects)
        {
            if (o.IsMain) continue;
            if (!o.Found) sb.Append('\t').Append(o.Name).Append(" => not found\n");
            else if (o.Name == o.Path) sb.Append('\t').Append(o.Name).Append('\n');
            else sb.Append('\t').Append(o.Name).Append(" => ").Append(o.Path).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Where a library came from, as the tree and the JSON say it (libtree's labels).</summary>
    public static string Describe(LoadedObject o) => o.Source.Describe(o.SourceOwner);

    /// <summary>An lddtree/libtree-style tree: each object expanded once, with where it came from; a missing one with every path tried.</summary>
    public static string Tree(LoadGraph g, bool verbose)
    {
        var sb = new StringBuilder();
        sb.Append(g.Main.Name).Append('\n');
        var shown = new HashSet<LoadedObject> { g.Main };
        var children = g.Main.Needed.ToList();
        foreach (var o in g.Objects.Where(o => o.IsPreload))
            children.Insert(0, (o.Name, o));
        Walk(children, "");
        if (g.FatalError is not null) sb.Append("error: ").Append(g.FatalError).Append('\n');
        if (g.DlopenDependencies.Count > 0)
        {
            // Optional: what the .note.dlopen entries would find, each as a dlopen by the object that names it.
            sb.Append("optional (dlopen notes):\n");
            for (int i = 0; i < g.DlopenDependencies.Count; i++)
            {
                var d = g.DlopenDependencies[i];
                bool last = i == g.DlopenDependencies.Count - 1;
                string why = $"dlopen note of {d.Owner.DisplayName}: {d.Note.Priority}{(d.Note.Feature is null ? "" : ", " + d.Note.Feature)}";
                sb.Append(last ? "└── " : "├── ").Append(d.Name);
                if (!d.Target.Found) { sb.Append(" => not found (").Append(why).Append(")\n"); continue; }
                sb.Append(" => ").Append(d.Target.Path).Append(" [").Append(Describe(d.Target)).Append("] (").Append(why).Append(')');
                if (!shown.Add(d.Target)) { sb.Append(" (see above)\n"); continue; }
                sb.Append('\n');
                Walk(d.Target.Needed, last ? "    " : "│   ");
            }
        }
        return sb.ToString();

        void Walk(List<(string Name, LoadedObject Target)> list, string indent)
        {
            for (int i = 0; i < list.Count; i++)
            {
                var (name, t) = list[i];
                bool last = i == list.Count - 1;
                sb.Append(indent).Append(last ? "└── " : "├── ").Append(name);
                string childIndent = indent + (last ? "    " : "│   ");
                if (!t.Found)
                {
                    sb.Append(" => not found");
                    if (t.Error is not null and not "cannot open shared object file") sb.Append(" (").Append(t.Error).Append(')');
                    sb.Append('\n');
                    foreach (var c in t.Tried) sb.Append(childIndent).Append("  tried ").Append(c.Path).Append(" [").Append(SourceLabel(c)).Append("]: ").Append(Verdict(c)).Append('\n');
                    continue;
                }
                sb.Append(" => ").Append(t.Path).Append(" [").Append(Describe(t)).Append(']');
                if (!shown.Add(t)) { sb.Append(" (see above)\n"); continue; }
                sb.Append('\n');
                if (verbose)
                    foreach (var c in t.Tried.Where(c => c.Outcome != CandidateOutcome.Taken))
                        sb.Append(childIndent).Append("  skipped ").Append(c.Path).Append(" [").Append(SourceLabel(c)).Append("]: ").Append(Verdict(c)).Append('\n');
                Walk(t.Needed, childIndent);
            }
        }
    }

    private static string SourceLabel(Candidate c) => c.Source.Describe(c.Owner);

    private static string Verdict(Candidate c) => c.Outcome switch
    {
        CandidateOutcome.Missing => c.Detail ?? "no such file",
        CandidateOutcome.Incompatible => c.Detail ?? "incompatible",
        CandidateOutcome.Fatal => $"fatal: {c.Detail}",
        CandidateOutcome.Duplicate => c.Detail ?? "same file",
        CandidateOutcome.Refused => $"refused: {c.Detail}",
        _ => "taken",
    };

    /// <summary>A Graphviz digraph of the NEEDED edges (missing libraries in red).</summary>
    public static string Dot(LoadGraph g)
    {
        var sb = new StringBuilder("digraph dependencies {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n");
        var ids = new Dictionary<LoadedObject, string>();
        string Id(LoadedObject o) => ids.TryGetValue(o, out var id) ? id : ids[o] = "n" + ids.Count;
        foreach (var o in g.Objects)
        {
            string label = !o.Found ? $"{o.Name}\\nnot found" : o.IsMain || o.Name == o.Path ? o.Name : $"{o.Name}\\n{o.Path}";
            sb.Append($"  {Id(o)} [label=\"{Escape(label)}\"{(o.Found ? "" : ", color=red, fontcolor=red")}];\n");
        }
        foreach (var o in g.Objects)
            foreach (var (_, t) in o.Needed)
                sb.Append($"  {Id(o)} -> {Id(t)};\n");
        return sb.Append("}\n").ToString();

        static string Escape(string s) => s.Replace("\"", "\\\"");
    }

    /// <summary>A Mermaid flowchart of the NEEDED edges.</summary>
    public static string Mermaid(LoadGraph g)
    {
        var sb = new StringBuilder("flowchart LR\n");
        var ids = new Dictionary<LoadedObject, string>();
        string Id(LoadedObject o) => ids.TryGetValue(o, out var id) ? id : ids[o] = "n" + ids.Count;
        foreach (var o in g.Objects)
        {
            string label = !o.Found ? $"{o.Name}<br/>not found" : o.IsMain || o.Name == o.Path ? o.Name : $"{o.Name}<br/>{o.Path}";
            sb.Append($"  {Id(o)}[\"{label.Replace("\"", "#quot;")}\"]\n");
            if (!o.Found) sb.Append($"  style {Id(o)} stroke:#d00,color:#d00\n");
        }
        foreach (var o in g.Objects)
            foreach (var (_, t) in o.Needed)
                sb.Append($"  {Id(o)} --> {Id(t)}\n");
        return sb.ToString();
    }
}
