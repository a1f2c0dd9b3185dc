namespace LinkDoctor.Rewriting;

/// <summary>The text <c>patch</c> prints: one line per change and per layout decision, then the outcome.</summary>
public static class PatchRenderer
{
    /// <summary>stdout lines for a file that was (or would be) patched; errors and warnings are the caller's (stderr).</summary>
    public static void Write(TextWriter w, PatchResult r)
    {
        if (r.Error is not null) return;
        string p = r.File + ": ";
        foreach (var c in r.Changes) w.WriteLine(p + c);
        foreach (var l in r.Layout) w.WriteLine(p + "layout: " + l);
        string outcome = (r.DryRun, r.Changed) switch
        {
            (true, true) => "would be patched (dry run: nothing written)",
            (true, false) => "unchanged (dry run)",
            (false, true) => r.Target is { } t && t != Path.GetFullPath(r.File) ? $"patched ({t})" : "patched",
            (false, false) => r.Target is { } t2 && t2 != Path.GetFullPath(r.File) ? $"unchanged (copied to {t2})" : "unchanged",
        };
        w.WriteLine(p + outcome);
    }
}
