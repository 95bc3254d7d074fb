@mm
Feature: SYSTEM_PTE_MISUSE needs PTE tracking (TrackPtes = 3)

  With the registry value TrackPtes = 3 (HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\
  Memory Management), the memory manager keeps a tracking entry for every system-PTE mapping and
  validates each release against it: a driver that releases the wrong address or the wrong count
  gets SYSTEM_PTE_MISUSE (0xDA) with the tracking entry as parameter 2 (types 1-5). Without it
  (Windows's default), those releases go unchecked: features/mm/unlock-and-unmap.feature.
  Type 6 (an MDL that is not mapped) needs no tracking.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xda--system-pte-misuse,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xdb--driver-corrupted-syspte

  Background:
    Given the machine tracks system PTEs
    And a machine
    And a user process "app"
    And "app" allocates 0x4000 of PAGE_READWRITE memory as buf
    And SystemPtesInUse is noted as ptes0

  @ddi:MmUnmapLockedPages
  Scenario: Unmapping at an address other than the mapping's bug-checks SYSTEM_PTE_MISUSE (3, tracker, expected, given)
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)           |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | MmUnmapLockedPages(va + 0x1000, mdl)                       |
    Then the machine bug-checked with SYSTEM_PTE_MISUSE (3, *, va, va + 0x1000)

  @ddi:MmUnmapLockedPages
  Scenario: Unmapping after the MDL's ByteCount changed bug-checks SYSTEM_PTE_MISUSE (2, tracker, expected, given)
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)           |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | mdl->ByteCount = 0x3000                                    |
      | MmUnmapLockedPages(va, mdl)                                |
    Then the machine bug-checked with SYSTEM_PTE_MISUSE (2, *, 2, 3)

  @ddi:MmUnmapLockedPages
  Scenario: A correct unmap passes the tracking and returns every PTE
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)           |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | MmUnmapLockedPages(va, mdl)                                |
      | MmUnlockPages(mdl)                                         |
      | IoFreeMdl(mdl)                                             |
    Then the machine is running
    And SystemPtesInUse is ptes0

  @ddi:MmUnmapLockedPages
  Scenario: Unlocking then unmapping bug-checks SYSTEM_PTE_MISUSE 6 with or without tracking
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)           |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | MmUnlockPages(mdl)                                         |
      | MmUnmapLockedPages(va, mdl)                                |
    Then the machine bug-checked with SYSTEM_PTE_MISUSE (6, mdl, va, 2)
