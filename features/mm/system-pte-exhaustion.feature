@mm
Feature: Mapping when the system-PTE pool runs low: NULL, or NO_MORE_SYSTEM_PTES with BugCheckOnFailure

  MmGetSystemAddressForMdlSafe never bug-checks: it returns NULL, earlier for a lower priority.
  MmMapLockedPagesSpecifyCache with BugCheckOnFailure = TRUE bug-checks NO_MORE_SYSTEM_PTES
  (0x3F: 0, pages asked, free, total) unless the MDL has MDL_MAPPING_CAN_FAIL.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmmaplockedpagesspecifycache,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x3f--no-more-system-ptes.
  The LowPagePriority (1/16 of the pool kept back) and NormalPagePriority (1/256) thresholds are
  this simulator's; Microsoft says only that lower priorities fail sooner.

  @ddi:MmGetSystemAddressForMdlSafe
  Scenario: When the system-PTE pool is exhausted MmGetSystemAddressForMdlSafe returns NULL
    Given the machine has 4 system PTEs
    And a user process "app"
    And "app" allocates 0x3000 of PAGE_READWRITE memory as buf
    And the driver calls:
      | mdl = IoAllocateMdl(buf + 0x20, 0x2000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)           |
      | big = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(big, UserMode, IoReadAccess)     |
      | one = MmGetSystemAddressForMdlSafe(big, HighPagePriority) |
    When the driver calls two = MmGetSystemAddressForMdlSafe(mdl, HighPagePriority)
    Then one is not NULL
    And FreeSystemPtes is 1
    And two is NULL
    And mdl->MdlFlags lacks MDL_MAPPED_TO_SYSTEM_VA
    And the machine is running

  @ddi:MmMapLockedPagesSpecifyCache
  Scenario: With BugCheckOnFailure, an exhausted pool bug-checks NO_MORE_SYSTEM_PTES
    Given the machine has 4 system PTEs
    And a user process "app"
    And "app" allocates 0x3000 of PAGE_READWRITE memory as buf
    And the driver calls:
      | mdl = IoAllocateMdl(buf + 0x20, 0x2000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)           |
      | big = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL)      |
      | MmProbeAndLockPages(big, UserMode, IoReadAccess)          |
      | one = MmGetSystemAddressForMdlSafe(big, HighPagePriority) |
    When the driver calls MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, TRUE, HighPagePriority)
    Then the machine bug-checked with NO_MORE_SYSTEM_PTES (0, 3, 1, 4)

  @ddi:MmMapLockedPagesSpecifyCache
  Scenario: MDL_MAPPING_CAN_FAIL turns BugCheckOnFailure's bug check into NULL
    Given the machine has 2 system PTEs
    And a user process "app"
    And "app" allocates 0x3000 of PAGE_READWRITE memory as buf
    And the driver calls:
      | mdl = IoAllocateMdl(buf + 0x20, 0x2000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)           |
      | big = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)      |
      | MmProbeAndLockPages(big, UserMode, IoReadAccess)          |
      | one = MmGetSystemAddressForMdlSafe(big, HighPagePriority) |
    When the driver calls mdl->MdlFlags = mdl->MdlFlags | MDL_MAPPING_CAN_FAIL
    And the driver calls va = MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, TRUE, HighPagePriority)
    Then va is NULL
    And the machine is running

  @ddi:MmGetSystemAddressForMdlSafe
  Scenario Outline: <priority> keeps <kept> of a 256-PTE pool back for more important callers
    Given the machine has 256 system PTEs
    And a user process "app"
    And "app" allocates 0x3000 of PAGE_READWRITE memory as buf
    And the driver calls:
      | mdl = IoAllocateMdl(buf + 0x20, 0x2000, FALSE, FALSE, NULL)                             |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)                                       |
      | filler = MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFF, 0, <filler bytes>, MmCached, 0)     |
      | f = MmGetSystemAddressForMdlSafe(filler, HighPagePriority)                                    |
    When the driver calls va = MmGetSystemAddressForMdlSafe(mdl, <priority>)
    Then FreeSystemPtes is <free before> - <used>
    And va is <result>

    Examples:
      | priority           | kept      | filler bytes | free before | used | result              |
      | LowPagePriority    | 16 (1/16) | 0xEE000      | 18          | 0    | NULL                |
      | LowPagePriority    | 16 (1/16) | 0xED000      | 19          | 3    | mdl->MappedSystemVa |
      | NormalPagePriority | 1 (1/256) | 0xFC000      | 4           | 3    | mdl->MappedSystemVa |
      | NormalPagePriority | 1 (1/256) | 0xFD000      | 3           | 0    | NULL                |
      | HighPagePriority   | none      | 0xFD000      | 3           | 3    | mdl->MappedSystemVa |

  Scenario: out of system PTEs with BugCheckOnFailure and TrackPtes: DRIVER_USED_EXCESSIVE_PTES names the driver holding the most
    # TrackPtes records the caller of each mapping; the exhaustion that is 0x3F without it is 0xD8
    # (the driver's name, the PTEs it holds, free, total).
    # https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xd8--driver-used-excessive-ptes
    Given the machine has 4 system PTEs
    And the machine tracks system PTEs
    And a user process "app"
    And "app" allocates 0x3000 of PAGE_READWRITE memory as buf
    And the driver calls:
      | mdl = IoAllocateMdl(buf + 0x20, 0x2000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)           |
      | big = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL)        |
      | MmProbeAndLockPages(big, UserMode, IoReadAccess)            |
      | one = MmGetSystemAddressForMdlSafe(big, HighPagePriority)   |
    When the driver calls MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, TRUE, HighPagePriority)
    Then the machine bug-checked with DRIVER_USED_EXCESSIVE_PTES (*, 3, 1, 4)

  Scenario: an exhaustion loop in one row: a 4-PTE pool gives four one-page mappings, then NULL
    # The loop maps the same locked page again and again (each kernel mapping takes a system PTE)
    # until MmMapLockedPagesSpecifyCache returns NULL; the bound keeps a mistake from running away.
    Given the machine has 4 system PTEs
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as buf
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)                                                                        |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                                                                            |
      | n = 0                                                                                                                       |
      | while (n < 100 && MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, HighPagePriority) != NULL) n = n + 1 |
    Then n is 4
    And FreeSystemPtes is 0
    And the machine is running
