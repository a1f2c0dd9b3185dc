using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.Loaders.Glibc;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>/etc/ld.so.cache as ldconfig -p lists it (lookups are checked against the loader by the ground-truth test).</summary>
public sealed class LdSoCacheTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryEntryMatchesLdconfigP()
    {
        var cache = LdSoCache.Load("/etc/ld.so.cache");
        var ldconfig = Tool.Run("/sbin/ldconfig", ["-p"]).Stdout.Split('\n')
            .Where(l => l.StartsWith('\t')).Select(l => l.Trim()).ToList();
        var ours = cache.Entries.Select(e => e.ToLdconfigLine().Trim()).ToList();
        output.WriteLine($"{ours.Count} entries, ldconfig -p lists {ldconfig.Count}");
        Assert.True(ours.Count > 100);
        Assert.Equal(ldconfig, ours);
    }
}
