(define (problem blocksworld-p08)
  (:domain blocksworld)
  (:objects b1 b2 b3 - block)
  (:init
    (arm-empty)
    (on-table b1)
    (on b3 b1)
    (on b2 b3)
    (clear b2))
  (:goal
    (and
      (on b1 b3)
      (on b2 b1))))
