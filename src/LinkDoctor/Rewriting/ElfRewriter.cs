using System.Text;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Rewriting;

/// <summary>What the verifier expects of the output, beyond "everything else is unchanged".</summary>
internal sealed class RewriteExpectation
{
    /// <summary>The dynamic entries as they must read back (strings resolved, final values).</summary>
    public required List<DynEntry> Dynamic { get; init; }
    public string? Interpreter { get; init; }
    public required IReadOnlyDictionary<string, string> VerneedRenames { get; init; }
    public uint? StackFlags { get; init; }
    public bool AddedGnuStack { get; init; }
    /// <summary>The block of tables moved to make room for the program header table: its original file and address range and the shift.</summary>
    public (ulong FileStart, ulong FileEnd, ulong VStart, ulong VEnd, long FileDelta, long VDelta)? Block { get; init; }
    /// <summary>Section indices that moved with the block (their symbols move with them).</summary>
    public IReadOnlySet<int> BlockSections { get; init; } = new HashSet<int>();
    /// <summary>Section indices whose header may change (moved or resized).</summary>
    public required HashSet<int> ChangedSections { get; init; }
    /// <summary>Ranges of the input that may differ in the output; every other input byte must be identical.</summary>
    public required List<(ulong Start, ulong End)> MayChange { get; init; }
    public ulong PageSize { get; init; }
}

internal sealed class RewriteResult
{
    public required byte[] Output { get; init; }
    public required bool Changed { get; init; }
    public required ElfEdits Edits { get; init; }
    public List<string> Layout { get; } = [];
    public RewriteExpectation? Expect { get; init; }
}

/// <summary>
/// Edit plan → layout → emit for one ELF file (ELF32/ELF64, either byte order). The plan is <see cref="ElfEdits"/>;
/// the layout decides where each grown table goes; the emitter writes the output with <see cref="EndianWriter"/>.
/// See DESIGN.md in this folder for the layout rules and why they are what they are.
/// </summary>
internal sealed class ElfRewriter
{
    private const ulong SHF_WRITE = 1, SHF_ALLOC = 2;

    private readonly ElfFile _elf;
    private readonly byte[] _in;
    private readonly EndianWriter _w;
    private readonly int _phent, _dynent;
    private readonly IReadOnlyList<ElfSection> _sections;
    private readonly ulong _page;

    private ElfRewriter(ElfFile elf)
    {
        _elf = elf;
        _in = elf.Image.Span.ToArray();
        _w = new EndianWriter(elf.IsBigEndian, elf.Is64);
        _phent = _w.PhdrSize;
        _dynent = _w.DynSize;
        try { _sections = elf.Header.ShOff != 0 ? elf.Sections : []; }
        catch (BinaryFormatException e) { throw new PatchException($"the section header table is damaged ({e.Describe()}); refusing to rewrite the file"); }
        _page = PageSize(elf);
    }

    /// <summary>
    /// The page size a segment placement must respect: the largest page size the machine's kernels use (GNU
    /// gold's <c>abi_pagesize</c>, which patchelf's getPageSize copies), but not more than the file's own
    /// PT_LOAD alignment (a file linked for 4 KiB pages runs only on 4 KiB pages).
    /// </summary>
    internal static ulong PageSize(ElfFile elf)
    {
        ulong machine = elf.Header.Machine switch
        {
            EM_SPARC or EM_SPARCV9 or EM_MIPS or EM_PPC or EM_PPC64 or EM_AARCH64 or EM_LOONGARCH or EM_IA_64 or 191 /* EM_TILEGX */ => 0x10000,
            _ => 0x1000,
        };
        ulong maxAlign = 0;
        foreach (var p in elf.ProgramHeaders)
            if (p.Type == PT_LOAD && p.Align > maxAlign && ulong.IsPow2(p.Align)) maxAlign = p.Align;
        return Math.Min(machine, Math.Max(maxAlign, 0x1000));
    }

    public static RewriteResult Rewrite(ElfFile elf, PatchOperations ops, Func<string, ushort?> machineOf)
    {
        if (elf.Header.Type is not (ET_EXEC or ET_DYN))
            throw new PatchException($"is not an executable or shared library (ELF type {TypeName(elf.Header.Type)})");
        if (elf.ProgramHeaders.Count == 0)
            throw new PatchException("has no program headers");
        var edits = ElfEdits.Apply(elf, ops, machineOf);
        var rw = new ElfRewriter(elf);
        if (!edits.Any) return new RewriteResult { Output = rw._in, Changed = false, Edits = edits };
        // An input that already breaks the loader's segment rules cannot be made valid: refuse it, naming the damage.
        if (ElfPatchVerifier.LoaderRules(elf) is { } damage) throw new PatchException($"damaged, not patched: {damage}");
        // The header tables are rewritten in place: one that overlaps the file header or the other table would overwrite it.
        var eh = elf.Header;
        ulong ehSize = (ulong)(elf.Is64 ? 64 : 52);
        ulong shEnd = eh.ShOff + (ulong)eh.ShNum * eh.ShEntSize, phEnd = eh.PhOff + (ulong)eh.PhNum * eh.PhEntSize;
        if (eh.PhOff < ehSize)
            throw new PatchException("damaged, not patched: the program header table overlaps the ELF header");
        if (eh.ShOff != 0 && eh.ShNum != 0 && (eh.ShOff < ehSize || eh.ShOff < phEnd && eh.PhOff < shEnd))
            throw new PatchException("damaged, not patched: the section header table overlaps the ELF header or the program headers");
        return rw.Run(edits);
    }

    // ---- the plan's byte-level state ----
    private sealed class Item(string name, ulong size, ulong align, ulong phase, bool writable)
    {
        public readonly string Name = name;
        public readonly ulong Size = size, Align = Math.Max(align, 1), Phase = phase;
        public readonly bool Writable = writable;
        public bool Placed;
        public ulong Offset, VAddr;
        public string Where = "";
        public ulong End => Offset + Size;
    }

    private sealed class Window(Phdr load, ulong limit)
    {
        public readonly Phdr Load = load;
        public readonly ulong Limit = limit;   // first file offset the segment may not reach
        public ulong Cursor = load.FileEnd;
        public ulong Delta => Load.VAddr - Load.Offset;
    }

    private RewriteResult Run(ElfEdits edits)
    {
        var h = _elf.Header;
        var dyn = _elf.Dynamic;
        var span = (ReadOnlySpan<byte>)_in;

        // ---- strings ----
        DynStrAllocator? alloc = null;
        ulong strOff = 0, strAddr = 0, strSize = 0;
        var verneedWrites = new List<(ulong At, uint Value)>();
        bool stringsChange = edits.Entries.Any(e => e.StrChanged) || edits.VerneedRenames.Count > 0;
        // gABI: DT_STRSZ is mandatory with DT_STRTAB; without it the table's extent (and the old strings) are unknown.
        bool hasStrings = dyn is not null && dyn.TryGetValue(DT_STRTAB, out strAddr) && dyn.TryGetValue(DT_STRSZ, out strSize);
        if (hasStrings && !_elf.MapAddress(strAddr, strSize, out strOff))
            throw new PatchException($"DT_STRTAB 0x{strAddr:x} (DT_STRSZ 0x{strSize:x}) is not inside a loadable segment");
        if (stringsChange)
        {
            if (!hasStrings || dyn is null || strAddr == 0) throw new PatchException("has no DT_STRTAB/DT_STRSZ");
            alloc = AllocateStrings(edits, dyn, span.Slice((int)strOff, (int)strSize).ToArray(), verneedWrites);
        }

        // ---- what has to move ----
        var ptDynIdx = IndexOf(PT_DYNAMIC);
        var ptInterpIdx = IndexOf(PT_INTERP);
        ulong dynCapacity = ptDynIdx >= 0 ? _elf.ProgramHeaders[ptDynIdx].FileSize / (ulong)_dynent : 0;
        ulong dynNeed = (ulong)edits.Entries.Count + 1;
        bool dynMoves = edits.DynamicChanged && dynNeed > dynCapacity;
        if (edits.DynamicChanged && ptDynIdx < 0) throw new PatchException("has no PT_DYNAMIC");
        if (dynMoves && h.Machine == EM_MIPS)
            throw new PatchException("the dynamic section would have to move, which MIPS files do not allow (DT_MIPS_RLD_MAP_REL is relative to it)");
        byte[]? interpBytes = edits.InterpreterChanged ? [.. Encoding.UTF8.GetBytes(edits.Interpreter!), 0] : null;
        bool interpMoves = interpBytes is not null && (ulong)interpBytes.Length > _elf.ProgramHeaders[ptInterpIdx].FileSize;
        ulong appended = alloc is null ? 0 : alloc.NewSize - alloc.OriginalSize;

        Attempt? a = null;
        bool forceNewLoad = false, forceMoveDynstr = false;
        for (int tries = 0; tries < 4; tries++)
        {
            a = new Attempt(this, edits, forceNewLoad, forceMoveDynstr);
            var retry = a.Lay(appended, alloc?.NewSize ?? 0, strOff, strSize, dynMoves ? dynNeed * (ulong)_dynent : 0,
                interpMoves ? (ulong)interpBytes!.Length : 0);
            if (retry == Retry.None) break;
            if (retry == Retry.NewLoad) forceNewLoad = true;
            if (retry == Retry.MoveDynstr) forceMoveDynstr = true;
            a = null;
        }
        if (a is null) throw new PatchException("no layout found for the grown tables");

        return a.Emit(alloc, strOff, strAddr, strSize, verneedWrites, interpBytes, dynMoves, dynCapacity);
    }

    private int IndexOf(uint type)
    {
        for (int i = 0; i < _elf.ProgramHeaders.Count; i++)
            if (_elf.ProgramHeaders[i].Type == type) return i;
        return -1;
    }

    /// <summary>Reuse, then in place, then append (see <see cref="DynStrAllocator"/>); sets the entries' offsets and the vn_file writes.</summary>
    private DynStrAllocator AllocateStrings(ElfEdits edits, ElfDynamicSection dyn, byte[] table, List<(ulong At, uint Value)> verneedWrites)
    {
        var needs = RawVersions.Needs(_elf, dyn);
        var refs = new List<ulong>();
        foreach (var e in edits.Entries)
            if (DynamicTags.IsString(e.Tag) && !e.StrChanged) refs.Add(e.Value);
        var renames = new List<(RawVerneed Need, string New)>();
        foreach (var n in needs)
        {
            string file = Encoding.UTF8.GetString(dyn.GetStringBytes(n.VnFile));
            if (edits.VerneedRenames.TryGetValue(file, out var nn)) renames.Add((n, nn));
            else refs.Add(n.VnFile);
            refs.AddRange(n.AuxNames.Select(x => (ulong)x));
        }
        refs.AddRange(RawVersions.DefinitionNames(_elf, dyn).Select(x => (ulong)x));
        bool inPlace = true;
        if (_elf.DynamicSymbols is { } syms)
        {
            // Without a section table a GNU-hash-only count can miss unhashed symbols: then nothing is overwritten.
            if (syms.CountSource is not ("section" or "DT_HASH")) inPlace = false;
            for (int i = 0; i < syms.Count; i++) refs.Add(syms[i].NameOffset);
        }
        else if (dyn.TryGetValue(DT_SYMTAB, out _)) inPlace = false;
        if (_sections.Count > 0)
        {
            int strIdx = -1;
            for (int i = 0; i < _sections.Count; i++)
                if (_sections[i].Type == SHT_STRTAB && (_sections[i].Flags & SHF_ALLOC) != 0 && dyn.TryGetValue(DT_STRTAB, out ulong sa) && _sections[i].Address == sa) strIdx = i;
            foreach (var s in _sections)
                if (strIdx >= 0 && s.Link == (uint)strIdx && s.Type is not (SHT_DYNSYM or SHT_DYNAMIC or SHT_GNU_verneed or SHT_GNU_verdef))
                    inPlace = false; // an unknown user of the string table
        }
        var alloc = new DynStrAllocator(table, refs, inPlace);

        var requests = new List<(ulong? Old, string Value, Action<ulong> Set)>();
        foreach (var e in edits.Entries.Where(e => e.StrChanged))
            requests.Add((e.IsNew ? null : e.Value, e.Str!, v => e.Value = v));
        foreach (var (n, nn) in renames)
            requests.Add((n.VnFile, nn, v => verneedWrites.Add((n.FileOffset + 4, checked((uint)v)))));
        var pending = new List<(ulong? Old, string Value, Action<ulong> Set)>();
        foreach (var r in requests)
        {
            if (alloc.FindExisting(r.Value) is { } at) { r.Set(at); alloc.AddReference(at); }
            else pending.Add(r);
        }
        var rest = new List<(ulong? Old, string Value, Action<ulong> Set)>();
        foreach (var r in pending)
        {
            if (r.Old is { } old && alloc.TryInPlace(old, r.Value)) r.Set(old);
            else rest.Add(r);
        }
        foreach (var r in rest) r.Set(alloc.Append(r.Value));
        return alloc;
    }

    private enum Retry { None, NewLoad, MoveDynstr }

    /// <summary>One try at a layout: where each grown table goes, and how the program header table makes room.</summary>
    private sealed class Attempt
    {
        private readonly ElfRewriter _r;
        private readonly ElfEdits _edits;
        private readonly bool _forceNewLoad, _forceMoveDynstr;
        private readonly List<Phdr> _phdrs;
        private readonly List<(ulong S, ulong E)> _occupied = [];   // everything but PT_LOAD ranges
        private readonly List<Window> _windows = [];
        private readonly List<Item> _items = [];
        private Item? _dynstr, _dynamic, _interp, _block;
        private (ulong Start, ulong Size)? _dynstrInPlace;          // growth written right after the table
        private readonly List<Item> _newLoadItems = [];
        private Phdr? _newLoad;
        private int _nullsUsed, _growthEntries;
        /// <summary>The section header table moves to the end of the file (it was in the way of the program headers).</summary>
        public bool MoveSectionHeaders { get; private set; }
        private ulong _blockStart, _blockEnd, _blockHostDelta;
        private readonly HashSet<int> _blockSections = [];
        private readonly List<int> _blockSegments = [];

        public Attempt(ElfRewriter r, ElfEdits edits, bool forceNewLoad, bool forceMoveDynstr)
        {
            _r = r;
            _edits = edits;
            _forceNewLoad = forceNewLoad;
            _forceMoveDynstr = forceMoveDynstr;
            _phdrs = [.. r._elf.ProgramHeaders.Select(p => Phdr.From(p))];
            var h = r._elf.Header;
            ulong len = (ulong)r._in.Length;
            _occupied.Add((0, h.EhSize == 0 ? 64u : h.EhSize));
            _occupied.Add((h.PhOff, h.PhOff + h.PhNum * (ulong)r._phent));
            if (h.ShOff != 0) _occupied.Add((h.ShOff, h.ShOff + h.ShNum * (ulong)h.ShEntSize));
            foreach (var s in r._sections)
                if (s.HasFileData && s.Size > 0) _occupied.Add((s.Offset, s.Offset + s.Size));
            foreach (var p in _phdrs)
                if (p.Type != PT_LOAD && p.FileSz > 0) _occupied.Add((p.Offset, p.FileEnd));
            // Without section headers nothing says which bytes of a segment are padding: all of them are taken.
            if (r._sections.Count == 0)
                foreach (var p in _phdrs)
                    if (p.Type == PT_LOAD && p.FileSz > 0) _occupied.Add((p.Offset, p.FileEnd));
            ulong described = _occupied.Max(o => o.E);
            foreach (var p in _phdrs) if (p.Type == PT_LOAD) described = Math.Max(described, p.FileEnd);
            // Bytes after everything the headers describe (a self-extracting payload, a signature) stay where they are.
            if (described < len) _occupied.Add((described, len));

            var loads = _phdrs.Where(p => p.Type == PT_LOAD).ToList();
            foreach (var l in loads)
            {
                if (l.FileSz != l.MemSz || l.FileSz == 0) continue;
                ulong fileLimit = ulong.MaxValue;
                foreach (var (s, e) in _occupied.Concat(loads.Where(x => x != l && x.FileSz > 0).Select(x => (x.Offset, x.FileEnd))))
                {
                    if (e <= l.FileEnd) continue;
                    fileLimit = Math.Min(fileLimit, Math.Max(s, l.FileEnd));
                }
                ulong vnext = ulong.MaxValue;
                foreach (var x in loads)
                    if (x != l && x.VAddr >= l.VAddr) vnext = Math.Min(vnext, x.VAddr);
                ulong vLimit = vnext == ulong.MaxValue ? (r._w.Is64 ? ulong.MaxValue / 2 : uint.MaxValue) : Align.Down(vnext, r._page);
                if (vLimit <= l.VEnd) continue;
                ulong delta = l.VAddr - l.Offset;
                ulong limitFromV = vLimit - delta;
                _windows.Add(new Window(l, Math.Min(fileLimit, limitFromV)));
            }
        }

        private bool Free(ulong s, ulong e) => !_occupied.Any(o => o.S < e && o.E > s);

        private Window? WindowOf(Phdr load) => _windows.FirstOrDefault(w => w.Load == load);

        /// <summary>Windows in order of preference: a writable table goes only into a writable segment; a read-only one prefers R, then R+X, then RW.</summary>
        private IEnumerable<Window> WindowsFor(Item item) => item.Writable
            ? _windows.Where(w => (w.Load.Flags & PF_W) != 0)
            : _windows.OrderBy(w => ((w.Load.Flags & PF_W) != 0 ? 2 : 0) + ((w.Load.Flags & PF_X) != 0 ? 1 : 0));

        private bool TryWindow(Item item)
        {
            foreach (var w in WindowsFor(item))
            {
                ulong off = Align.UpWithPhase(w.Cursor, item.Align, item.Phase);
                if (off + item.Size > w.Limit || !Free(w.Cursor, off + item.Size)) continue;
                item.Offset = off;
                item.VAddr = off + w.Delta;
                item.Placed = true;
                item.Where = $"after the {ElfEdits.FlagString(w.Load.Flags)} PT_LOAD at 0x{w.Load.VAddr:x}, which grows to cover it";
                w.Cursor = off + item.Size;
                w.Load.FileSz = w.Load.MemSz = w.Cursor - w.Load.Offset;
                return true;
            }
            return false;
        }

        /// <summary>Chooses places; returns what to change before trying again, if this try cannot work.</summary>
        public Retry Lay(ulong appended, ulong newStrSize, ulong strOff, ulong strSize, ulong dynSize, ulong interpSize)
        {
            var r = _r;
            // 1. The string table grows where it is when free bytes follow it (inside its segment, or at its end).
            if (appended > 0)
            {
                bool done = false;
                if (!_forceMoveDynstr)
                {
                    ulong s = strOff + strSize, e = s + appended;
                    var host = _phdrs.FirstOrDefault(p => p.Type == PT_LOAD && p.Offset <= strOff && strOff + strSize <= p.FileEnd);
                    if (host is not null && Free(s, e))
                    {
                        if (e <= host.FileEnd) done = true;
                        else if (WindowOf(host) is { } w && w.Cursor == host.FileEnd && s == host.FileEnd && e <= w.Limit)
                        {
                            w.Cursor = e;
                            host.FileSz = host.MemSz = e - host.Offset;
                            done = true;
                        }
                    }
                    if (done) _dynstrInPlace = (s, appended);
                }
                if (!done) _items.Add(_dynstr = new Item(".dynstr", newStrSize, 1, 0, writable: false));
            }
            // 2. The dynamic section must stay writable (glibc relocates its d_ptr values and writes DT_DEBUG).
            if (dynSize > 0) _items.Add(_dynamic = new Item(".dynamic", dynSize, (ulong)r._dynent, 0, writable: true));
            if (interpSize > 0) _items.Add(_interp = new Item(".interp", interpSize, 1, 0, writable: false));

            if (!_forceNewLoad)
                foreach (var it in _items.OrderByDescending(i => i.Size)) TryWindow(it);
            bool newLoad = _forceNewLoad || _items.Any(i => !i.Placed);

            // 3. Program header slots: a new PT_LOAD, a new PT_GNU_STACK; PT_NULL entries are reused first.
            int extra = (newLoad ? 1 : 0) + (_edits.AddGnuStack ? 1 : 0);
            int nulls = _phdrs.Count(p => p.Type == PT_NULL);
            _nullsUsed = Math.Min(extra, nulls);
            _growthEntries = extra - _nullsUsed;
            if (_growthEntries > 0)
            {
                var hdr = r._elf.Header;
                if (hdr.PhNum + (ulong)_growthEntries >= PN_XNUM) throw new PatchException("too many program headers");
                ulong phtEnd = hdr.PhOff + hdr.PhNum * (ulong)r._phent, growEnd = phtEnd + (ulong)_growthEntries * (ulong)r._phent;
                var host = _phdrs.FirstOrDefault(p => p.Type == PT_LOAD && p.Offset <= hdr.PhOff && phtEnd <= p.FileEnd);
                bool inHost = host is null || growEnd <= host.FileEnd;
                // Go's linker puts the section header table right after the program headers: nothing loads it, so it
                // moves to the end of the file instead of the tables after it.
                ulong shStart = hdr.ShOff, shEnd = hdr.ShOff + hdr.ShNum * (ulong)hdr.ShEntSize;
                if (hdr.ShOff != 0 && shStart < growEnd && shEnd > phtEnd)
                {
                    MoveSectionHeaders = true;
                    _occupied.Remove((shStart, shEnd));
                }
                if (!(inHost && Free(phtEnd, growEnd) && !PlacedOverlaps(phtEnd, growEnd)))
                {
                    if (host is null) throw new PatchException("the program header table cannot grow: the bytes after it are in use and it is not in a loadable segment");
                    ComputeBlock(phtEnd, growEnd, host);
                    if (_dynstrInPlace is { } g && g.Start < _blockEnd && g.Start + g.Size > _blockStart) return Retry.MoveDynstr;
                    if (_dynstrInPlace is not null && strOff < _blockEnd && strOff + strSize > _blockStart) return Retry.MoveDynstr;
                    if (!TryWindow(_block!))
                    {
                        if (!newLoad) return Retry.NewLoad;
                    }
                }
            }
            if (newLoad)
            {
                var loads = _phdrs.Where(p => p.Type == PT_LOAD).ToList();
                ulong vEnd = loads.Max(p => p.VEnd);
                ulong fileEnd = Math.Max((ulong)r._in.Length, _windows.Count == 0 ? 0 : _windows.Max(w => w.Cursor));
                ulong v = Align.Up(vEnd, r._page);
                ulong x = Align.UpWithPhase(fileEnd, r._page, v % r._page);
                ulong cur = x;
                bool writable = false;
                foreach (var it in _items.Where(i => !i.Placed).Concat(_block is { Placed: false } b ? [b] : []))
                {
                    ulong off = Align.UpWithPhase(cur, it.Align, it.Phase);
                    it.Offset = off;
                    it.VAddr = off - x + v;
                    it.Placed = true;
                    it.Where = $"in a new PT_LOAD at 0x{v:x}";
                    cur = off + it.Size;
                    writable |= it.Writable;
                    _newLoadItems.Add(it);
                }
                if (_newLoadItems.Count == 0) throw new PatchException("internal error: a new segment with nothing in it");
                if (!r._w.Is64 && v + (cur - x) > uint.MaxValue) throw new PatchException("no address space left below 4 GiB for a new segment");
                _newLoad = new Phdr { Type = PT_LOAD, Flags = PF_R | (writable ? PF_W : 0), Offset = x, VAddr = v, PAddr = v, FileSz = cur - x, MemSz = cur - x, Align = r._page };
            }
            return Retry.None;
        }

        private bool PlacedOverlaps(ulong s, ulong e) =>
            _items.Any(i => i.Placed && i.Offset < e && i.End > s) || (_dynstrInPlace is { } g && g.Start < e && g.Start + g.Size > s);

        /// <summary>
        /// The tables right after the program header table that must move so it can grow in place (BFD's strip and
        /// objcopy, and old kernels computing AT_PHDR as load address + e_phoff, expect it after the ELF header):
        /// whole sections and whole PT_INTERP/PT_NOTE/PT_GNU_PROPERTY segments, of kinds nothing refers to by address
        /// except the program headers and the dynamic section. patchelf's rewriteSectionsLibrary moves the same
        /// sections; here they move as one block, so their relative layout and alignment stay as they were.
        /// </summary>
        private void ComputeBlock(ulong a, ulong need, Phdr host)
        {
            var r = _r;
            ulong b = need;
            bool grew = true;
            while (grew)
            {
                grew = false;
                foreach (var s in r._sections)
                {
                    if (!s.HasFileData || s.Size == 0 || s.Offset >= b || s.Offset + s.Size <= a) continue;
                    if (s.Offset < a) throw new PatchException($"section {s.Name} overlaps the program header table");
                    if (s.Offset + s.Size > b) { b = s.Offset + s.Size; grew = true; }
                }
                for (int i = 0; i < _phdrs.Count; i++)
                {
                    var p = _phdrs[i];
                    if (p.Type is PT_LOAD or PT_PHDR || p.FileSz == 0 || p.Offset >= b || p.FileEnd <= a) continue;
                    if (p.Offset < a) throw new PatchException($"{SegmentTypeName(p.Type)} segment overlaps the program header table");
                    if (p.FileEnd > b) { b = p.FileEnd; grew = true; }
                }
            }
            if (b > host.FileEnd) throw new PatchException("the program header table cannot grow: the tables after it run past the first segment");
            ulong align = 1;
            var what = new List<string>();
            for (int i = 0; i < r._sections.Count; i++)
            {
                var s = r._sections[i];
                if (!s.HasFileData || s.Size == 0 || s.Offset < a || s.Offset >= b) continue;
                bool movable = s.Type is SHT_NOTE or SHT_HASH or SHT_GNU_HASH or SHT_DYNSYM or SHT_GNU_versym or SHT_GNU_verneed or SHT_GNU_verdef
                    || (s.Type == SHT_PROGBITS && s.Name == ".interp")
                    || (s.Type == SHT_STRTAB && (s.Flags & SHF_ALLOC) != 0 && r._elf.Dynamic?.TryGetValue(DT_STRTAB, out ulong st) == true && st == s.Address);
                if (!movable || (s.Flags & SHF_WRITE) != 0)
                    throw new PatchException($"the program header table cannot grow: section {s.Name} follows it and cannot move (code may refer to it by address)");
                _blockSections.Add(i);
                what.Add(s.Name);
                align = Math.Max(align, Math.Max(s.AddrAlign, 1));
            }
            for (int i = 0; i < _phdrs.Count; i++)
            {
                var p = _phdrs[i];
                if (p.Type is PT_LOAD or PT_PHDR || p.FileSz == 0 || p.Offset < a || p.Offset >= b) continue;
                if (p.Type is not (PT_INTERP or PT_NOTE or PT_GNU_PROPERTY))
                    throw new PatchException($"the program header table cannot grow: a {SegmentTypeName(p.Type)} segment follows it");
                _blockSegments.Add(i);
                if (r._sections.Count == 0) what.Add(SegmentTypeName(p.Type));
                align = Math.Max(align, Math.Max(p.Align, 1));
            }
            if (r._sections.Count == 0)
            {
                // Without section headers only what the segments describe is known: anything else there must be padding.
                for (ulong o = a; o < b; o++)
                    if (r._in[o] != 0 && !_blockSegments.Any(i => _phdrs[i].Offset <= o && o < _phdrs[i].FileEnd))
                        throw new PatchException("the program header table cannot grow: it is followed by data no header describes");
            }
            if (align > r._page) throw new PatchException($"the tables after the program header table need {align}-byte alignment");
            ulong delta = host.VAddr - host.Offset;
            ulong va = a + delta, vb = b + delta;
            // Anything else that points into the block would be left pointing at the old place.
            if (r._elf.Dynamic is { } dyn)
                foreach (var e in dyn.Entries)
                    if (!DynamicTags.IsValue(e.Tag) && !DynamicTags.IsMovableTablePointer(e.Tag) && e.Value >= va && e.Value < vb)
                        throw new PatchException($"the program header table cannot grow: DT_{DynamicTagName(e.Tag)} points into the tables after it");
            uint relative = RelativeRelocationType(r._elf.Header.Machine);
            foreach (var rel in r._elf.Relocations)
                if ((rel.Offset >= va && rel.Offset < vb) || (rel.Type == relative && (ulong)rel.Addend >= va && (ulong)rel.Addend < vb))
                    throw new PatchException($"the program header table cannot grow: a relocation at 0x{rel.Offset:x} refers to the tables after it");
            _blockStart = a;
            _blockEnd = b;
            _blockHostDelta = delta;
            _block = new Item(what.Count == 0 ? "padding" : string.Join(", ", what), b - a, align, a % align, writable: false);
        }

        /// <summary>R_*_RELATIVE of the machine (its addend is an address in the object), or 0 when unknown.</summary>
        private static uint RelativeRelocationType(ushort machine) => machine switch
        {
            EM_X86_64 or EM_386 => 8, EM_AARCH64 => 1027, EM_S390 => 12, EM_PPC64 or EM_PPC => 22, EM_ARM => 23, EM_RISCV => 3, EM_LOONGARCH => 3,
            EM_SPARC or EM_SPARCV9 or EM_SPARC32PLUS => 22, EM_MIPS => 0, _ => 0,
        };

        // ---- emit ----
        public RewriteResult Emit(DynStrAllocator? alloc, ulong strOff, ulong strAddr, ulong strSize, List<(ulong At, uint Value)> verneedWrites,
            byte[]? interpBytes, bool dynMoves, ulong dynCapacity)
        {
            var r = _r;
            var w = r._w;
            var h = r._elf.Header;
            var inp = r._in;
            ulong outLen = (ulong)inp.Length;
            foreach (var it in _items.Append(_block).OfType<Item>()) outLen = Math.Max(outLen, it.End);
            foreach (var win in _windows) outLen = Math.Max(outLen, win.Cursor);
            ulong shtSize = h.ShNum * (ulong)h.ShEntSize, newShOff = h.ShOff;
            if (MoveSectionHeaders)
            {
                newShOff = Align.Up(outLen, 8);
                outLen = newShOff + shtSize;
            }
            if (outLen > int.MaxValue) throw new PatchException("the result would be larger than 2 GiB");
            var o = new byte[outLen];
            inp.CopyTo(o, 0);
            var mayChange = new List<(ulong, ulong)> { (0, h.EhSize) };
            var layout = new List<string>();
            long vdelta = 0, fdelta = 0;
            ulong blockV0 = 0, blockV1 = 0;
            if (_block is not null)
            {
                blockV0 = _blockStart + _blockHostDelta;
                blockV1 = _blockEnd + _blockHostDelta;
                fdelta = (long)_block.Offset - (long)_blockStart;
                vdelta = (long)_block.VAddr - (long)blockV0;
            }
            bool InBlockV(ulong v) => _block is not null && v >= blockV0 && v < blockV1;

            // 1. Content edits at their input offsets (a moved copy then carries them).
            if (alloc is not null)
            {
                foreach (var (off, bytes) in alloc.InPlaceWrites) bytes.CopyTo(o, (int)(strOff + off));
                mayChange.Add((strOff, strOff + strSize));
            }
            foreach (var (at, value) in verneedWrites) { w.U32(o.AsSpan((int)at), value); mayChange.Add((at, at + 4)); }
            if (_block is not null)
                foreach (var (s, e) in AdjustSymbols(o, vdelta)) mayChange.Add((s, e));
            int ptInterp = _phdrs.FindIndex(p => p.Type == PT_INTERP);
            if (interpBytes is not null && _interp is null)
            {
                var pi = _phdrs[ptInterp];
                o.AsSpan((int)pi.Offset, (int)pi.FileSz).Clear();
                interpBytes.CopyTo(o, (int)pi.Offset);
                mayChange.Add((pi.Offset, pi.FileEnd));
            }
            byte[]? strSnapshot = _dynstr is not null ? o.AsSpan((int)strOff, (int)strSize).ToArray() : null;

            // The section header table first, before the program headers grow over it.
            if (MoveSectionHeaders)
            {
                Array.Copy(o, (long)h.ShOff, o, (long)newShOff, (long)shtSize);
                o.AsSpan((int)h.ShOff, (int)shtSize).Clear();
                w.Word(o.AsSpan(w.Is64 ? 40 : 32), newShOff);
                layout.Add($"section header table moved out of the way to the end of the file (0x{h.ShOff:x} -> 0x{newShOff:x})");
            }

            // 2. The block after the program header table moves as a whole.
            if (_block is not null)
            {
                Array.Copy(o, (long)_blockStart, o, (long)_block.Offset, (long)_block.Size);
                o.AsSpan((int)_blockStart, (int)_block.Size).Clear();
                mayChange.Add((_blockStart, _blockEnd));
                mayChange.Add((_block.Offset, _block.End));
                layout.Add($"program header table grown by {_growthEntries} entr{(_growthEntries == 1 ? "y" : "ies")}: {_block.Name} moved {_block.Where} (0x{_blockStart:x} -> 0x{_block.Offset:x})");
            }

            // 3. Grown tables.
            ulong newStrAddr = strAddr, newStrOff = strOff;
            if (alloc is not null && _dynstrInPlace is { } g)
            {
                alloc.Appended.CopyTo(o, (long)g.Start);
                mayChange.Add((g.Start, g.Start + g.Size));
                layout.Add($".dynstr grown in place (0x{strSize:x} -> 0x{alloc.NewSize:x} bytes)");
            }
            else if (_dynstr is not null)
            {
                strSnapshot!.CopyTo(o, (long)_dynstr.Offset);
                alloc!.Appended.CopyTo(o, (long)_dynstr.Offset + (long)strSize);
                newStrAddr = _dynstr.VAddr;
                newStrOff = _dynstr.Offset;
                mayChange.Add((_dynstr.Offset, _dynstr.End));
                layout.Add($".dynstr (0x{strSize:x} -> 0x{alloc.NewSize:x} bytes) moved {_dynstr.Where} (offset 0x{_dynstr.Offset:x}, address 0x{_dynstr.VAddr:x})");
            }
            else if (InBlockV(strAddr)) newStrAddr = (ulong)((long)strAddr + vdelta);
            if (_interp is not null)
            {
                interpBytes!.CopyTo(o, (long)_interp.Offset);
                mayChange.Add((_interp.Offset, _interp.End));
                layout.Add($".interp moved {_interp.Where} (offset 0x{_interp.Offset:x})");
            }

            // 4. The dynamic section: final values, written in place or at its new place.
            var finalDyn = new List<DynEntry>();
            foreach (var e0 in _edits.Entries)
            {
                var e = e0.Clone();
                if (e.Tag == DT_STRTAB) e.Value = newStrAddr;
                else if (e.Tag == DT_STRSZ && alloc is not null) e.Value = alloc.NewSize;
                else if (DynamicTags.IsMovableTablePointer(e.Tag) && InBlockV(e.Value)) e.Value = (ulong)((long)e.Value + vdelta);
                finalDyn.Add(e);
            }
            int ptDyn = _phdrs.FindIndex(p => p.Type == PT_DYNAMIC);
            bool dynWritten = _edits.DynamicChanged || finalDyn.Zip(_edits.Entries).Any(z => z.First.Value != z.Second.Value) || _dynamic is not null;
            if (ptDyn >= 0 && dynWritten)
            {
                var pd = _phdrs[ptDyn];
                ulong at = _dynamic?.Offset ?? pd.Offset;
                ulong slots = _dynamic is not null ? _dynamic.Size / (ulong)r._dynent : dynCapacity;
                o.AsSpan((int)at, (int)(slots * (ulong)r._dynent)).Clear();
                for (int i = 0; i < finalDyn.Count; i++) w.Dyn(o.AsSpan((int)at + i * r._dynent), finalDyn[i].Tag, finalDyn[i].Value);
                mayChange.Add((pd.Offset, pd.Offset + dynCapacity * (ulong)r._dynent));
                if (_dynamic is not null)
                {
                    mayChange.Add((_dynamic.Offset, _dynamic.End));
                    layout.Add($".dynamic ({dynCapacity} -> {slots} entries) moved {_dynamic.Where} (offset 0x{_dynamic.Offset:x}, address 0x{_dynamic.VAddr:x})");
                    pd.Offset = _dynamic.Offset; pd.VAddr = pd.PAddr = _dynamic.VAddr; pd.FileSz = pd.MemSz = _dynamic.Size;
                }
            }

            // 5. Program headers.
            if (_block is not null)
                foreach (int i in _blockSegments)
                {
                    var p = _phdrs[i];
                    p.Offset = (ulong)((long)p.Offset + fdelta);
                    p.VAddr = (ulong)((long)p.VAddr + vdelta);
                    p.PAddr = (ulong)((long)p.PAddr + vdelta);
                }
            if (_interp is not null)
            {
                var p = _phdrs[ptInterp];
                p.Offset = _interp.Offset; p.VAddr = p.PAddr = _interp.VAddr; p.FileSz = p.MemSz = _interp.Size;
            }
            if (_edits.StackFlags is { } sf) _phdrs.First(p => p.Type == PT_GNU_STACK).Flags = sf;
            var table = new List<Phdr>(_phdrs);
            for (int k = 0; k < _nullsUsed; k++) table.RemoveAt(table.FindLastIndex(p => p.Type == PT_NULL));
            if (_newLoad is not null)
            {
                table.Insert(table.FindLastIndex(p => p.Type == PT_LOAD) + 1, _newLoad);
                layout.Add($"new PT_LOAD ({ElfEdits.FlagString(_newLoad.Flags)}) at offset 0x{_newLoad.Offset:x}, address 0x{_newLoad.VAddr:x}, 0x{_newLoad.FileSz:x} bytes");
            }
            if (_edits.AddGnuStack)
                table.Add(new Phdr { Type = PT_GNU_STACK, Flags = PF_R | PF_W, Align = 16 });
            var ptPhdr = table.FirstOrDefault(p => p.Type == PT_PHDR);
            ulong phtSize = (ulong)table.Count * (ulong)r._phent;
            if (ptPhdr is not null) { ptPhdr.FileSz = ptPhdr.MemSz = phtSize; }
            foreach (var win in _windows.Where(x => x.Cursor != x.Load.Offset + (ulong)r._elf.ProgramHeaders[x.Load.OriginalIndex].FileSize))
                mayChange.Add((r._elf.ProgramHeaders[win.Load.OriginalIndex].Offset + r._elf.ProgramHeaders[win.Load.OriginalIndex].FileSize, win.Cursor));
            ulong oldPhtEnd = h.PhOff + h.PhNum * (ulong)r._phent;
            o.AsSpan((int)h.PhOff, (int)Math.Max(phtSize, h.PhNum * (ulong)r._phent)).Clear();
            for (int i = 0; i < table.Count; i++) w.Phdr(o.AsSpan((int)h.PhOff + i * r._phent), table[i]);
            mayChange.Add((h.PhOff, Math.Max(oldPhtEnd, h.PhOff + phtSize)));
            if (table.Count != (int)h.PhNum) w.U16(o.AsSpan(r._w.Is64 ? 56 : 44), (ushort)table.Count);

            // 6. Section headers of what moved or grew (indices, and so sh_link/sh_info and st_shndx, stay as they are).
            var changedSections = new HashSet<int>();
            if (r._sections.Count > 0)
            {
                ulong shOff = newShOff;
                int ent = h.ShEntSize;
                int addrAt = w.Is64 ? 16 : 12, offAt = w.Is64 ? 24 : 16, sizeAt = w.Is64 ? 32 : 20;
                void SetSection(int i, ulong? addr, ulong? off, ulong? size)
                {
                    var s = o.AsSpan((int)(shOff + (ulong)(i * ent)));
                    if (addr is { } a1) w.Word(s[addrAt..], a1);
                    if (off is { } o1) w.Word(s[offAt..], o1);
                    if (size is { } z1) w.Word(s[sizeAt..], z1);
                    changedSections.Add(i);
                }
                foreach (int i in _blockSections)
                {
                    var s = r._sections[i];
                    SetSection(i, (ulong)((long)s.Address + vdelta), (ulong)((long)s.Offset + fdelta), null);
                }
                if (alloc is not null && alloc.NewSize != strSize)
                {
                    int si = FindSection(x => x.Type == SHT_STRTAB && (x.Flags & SHF_ALLOC) != 0 && x.Address == strAddr);
                    if (si >= 0) SetSection(si, newStrAddr, newStrOff, alloc.NewSize);
                }
                if (_dynamic is not null)
                {
                    int si = FindSection(x => x.Type == SHT_DYNAMIC && x.Offset == r._elf.ProgramHeaders[ptDyn].Offset);
                    if (si >= 0) SetSection(si, _dynamic.VAddr, _dynamic.Offset, _dynamic.Size);
                }
                if (_interp is not null)
                {
                    int si = FindSection(x => x.Type == SHT_PROGBITS && x.Offset == r._elf.ProgramHeaders[ptInterp].Offset && x.Name == ".interp");
                    if (si >= 0) SetSection(si, _interp.VAddr, _interp.Offset, _interp.Size);
                }
                mayChange.Add((h.ShOff, h.ShOff + h.ShNum * (ulong)ent));
            }
            if (outLen > (ulong)inp.Length) layout.Add($"file grows by {outLen - (ulong)inp.Length} bytes");

            var result = new RewriteResult
            {
                Output = o, Changed = true, Edits = _edits,
                Expect = new RewriteExpectation
                {
                    Dynamic = finalDyn,
                    Interpreter = _edits.Interpreter,
                    VerneedRenames = _edits.VerneedRenames,
                    StackFlags = _edits.StackFlags,
                    AddedGnuStack = _edits.AddGnuStack,
                    Block = _block is null ? null : (_blockStart, _blockEnd, blockV0, blockV1, fdelta, vdelta),
                    ChangedSections = changedSections,
                    BlockSections = _blockSections,
                    MayChange = mayChange,
                    PageSize = r._page,
                },
            };
            result.Layout.AddRange(layout);
            return result;

            int FindSection(Func<ElfSection, bool> pred)
            {
                for (int i = 0; i < r._sections.Count; i++) if (pred(r._sections[i])) return i;
                return -1;
            }
        }

        /// <summary>Symbols defined in a moved section follow it (st_value += the address shift), in .symtab and .dynsym.</summary>
        private List<(ulong, ulong)> AdjustSymbols(byte[] o, long vdelta)
        {
            var r = _r;
            var ranges = new List<(ulong, ulong)>();
            var rd = new SpanReader(o, r._elf.IsBigEndian);
            int ent = r._w.Is64 ? 24 : 16, shndxAt = r._w.Is64 ? 6 : 14, valueAt = r._w.Is64 ? 8 : 4;
            foreach (var s in r._sections)
            {
                if (s.Type is not (SHT_SYMTAB or SHT_DYNSYM) || s.EntSize != (ulong)ent) continue;
                var data = rd.Slice(s.Offset, s.Size / (ulong)ent * (ulong)ent, $"symbol table {s.Name}");
                bool any = false;
                for (int i = 0; i < data.Length; i += ent)
                {
                    ushort shndx = rd.U16(data[(i + shndxAt)..]);
                    if (!_blockSections.Contains(shndx)) continue;
                    ulong v = r._w.Is64 ? rd.U64(data[(i + valueAt)..]) : rd.U32(data[(i + valueAt)..]);
                    r._w.Word(o.AsSpan((int)s.Offset + i + valueAt), (ulong)((long)v + vdelta));
                    any = true;
                }
                if (any) ranges.Add((s.Offset, s.Offset + s.Size));
            }
            return ranges;
        }
    }
}
